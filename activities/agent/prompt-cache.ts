import type Anthropic from '@anthropic-ai/sdk';

const EPHEMERAL = { type: 'ephemeral' } as const;

export interface CacheableRequest {
  tools: Anthropic.ToolUnion[];
  system: string;
  messages: Anthropic.MessageParam[];
}

/** Marks the last block of the newest user message (a copy; the history itself is never marked). */
function markNewestUser(messages: Anthropic.MessageParam[]): Anthropic.MessageParam[] {
  const i = messages.map((m) => m.role).lastIndexOf('user');
  if (i < 0) return messages;
  const m = messages[i];
  const blocks: Anthropic.ContentBlockParam[] =
    typeof m.content === 'string' ? [{ type: 'text', text: m.content }] : [...m.content];
  if (!blocks.length) return messages;
  const last = blocks[blocks.length - 1];
  if (last.type === 'thinking' || last.type === 'redacted_thinking') return messages;
  blocks[blocks.length - 1] = { ...last, cache_control: EPHEMERAL };
  return [...messages.slice(0, i), { ...m, content: blocks } as Anthropic.MessageParam, ...messages.slice(i + 1)];
}

/**
 * The request parts with prompt-cache breakpoints: the last tool definition and the system block (the
 * stable prefix, shared by every turn), and the newest user message, so the next turn reads this one's
 * prefix from the cache. Three breakpoints; the API allows four.
 */
export function withCacheBreakpoints(r: CacheableRequest): {
  tools: Anthropic.ToolUnion[];
  system: Anthropic.TextBlockParam[];
  messages: Anthropic.MessageParam[];
} {
  const tools = r.tools.map((t, i) =>
    i === r.tools.length - 1 ? ({ ...t, cache_control: EPHEMERAL } as Anthropic.ToolUnion) : t,
  );
  return {
    tools,
    system: [{ type: 'text', text: r.system, cache_control: EPHEMERAL }],
    messages: markNewestUser(r.messages),
  };
}
