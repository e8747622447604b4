import { createHmac, randomBytes } from 'node:crypto';
import { breakpointCount } from './stand-in-cache';

/**
 * The request checks the real Messages API makes and an agent loop can get wrong, with the API's 400
 * messages: required fields, at most 4 cache breakpoints, every tool_use answered by a tool_result in
 * the very next message (results first), no empty text, and thinking blocks sent back unchanged.
 */

type Block = { type: string; [k: string]: unknown };
type Message = { role: string; content: string | Block[] };

const SECRET = randomBytes(32);
const mac = (s: string) => createHmac('sha256', SECRET).update(s).digest('base64');

/** A thinking block as the API makes it: the signature covers the text, so any change is detected. */
export const thinkingBlock = (thinking: string): Block => ({ type: 'thinking', thinking, signature: mac(thinking) });

export function redactedThinkingBlock(): Block {
  const nonce = randomBytes(12).toString('base64');
  return { type: 'redacted_thinking', data: `${nonce}.${mac(nonce)}` };
}

function thinkingProblem(b: Block): string | null {
  if (b.type === 'thinking' && (typeof b.thinking !== 'string' || b.signature !== mac(b.thinking)))
    return 'Invalid `signature` in `thinking` block';
  if (b.type === 'redacted_thinking') {
    const [nonce, sig] = String(b.data ?? '').split('.');
    if (!nonce || sig !== mac(nonce)) return 'Invalid `data` in `redacted_thinking` block';
  }
  return null;
}

const blocksOf = (m: Message): Block[] =>
  typeof m.content === 'string' ? [{ type: 'text', text: m.content }] : Array.isArray(m.content) ? m.content : [];

function conversationProblem(messages: Message[]): string | null {
  for (let i = 0; i < messages.length; i++) {
    const m = messages[i];
    if (m.role !== 'user' && m.role !== 'assistant') return `messages.${i}.role: Input should be 'user' or 'assistant'`;
    const blocks = blocksOf(m);
    for (let k = 0; k < blocks.length; k++) {
      const b = blocks[k];
      if (b.type === 'text' && !String(b.text ?? '').length)
        return `messages.${i}.content.${k}.text: text content blocks must be non-empty`;
      const bad = m.role === 'assistant' ? thinkingProblem(b) : null;
      if (bad) return `messages.${i}.content.${k}: ${bad}`;
    }
    const firstOther = blocks.findIndex((b) => b.type !== 'tool_result');
    if (m.role === 'user' && firstOther >= 0 && blocks.slice(firstOther).some((b) => b.type === 'tool_result')) {
      return `messages.${i}: tool_result blocks must come first in the content, before any other block`;
    }
    const prev = i > 0 && messages[i - 1].role === 'assistant' ? blocksOf(messages[i - 1]) : [];
    const asked = new Set(prev.filter((b) => b.type === 'tool_use').map((b) => String(b.id)));
    const answered = blocks.filter((b) => b.type === 'tool_result').map((b) => String(b.tool_use_id));
    const unexpected = m.role === 'user' ? answered.filter((id) => !asked.has(id)) : [];
    if (unexpected.length)
      return `messages.${i}.content: unexpected \`tool_use_id\` found in \`tool_result\` blocks: ${unexpected.join(', ')}. Each \`tool_result\` block must have a corresponding \`tool_use\` block in the previous message.`;
    if (m.role === 'assistant') {
      const ids = blocks.filter((b) => b.type === 'tool_use').map((b) => String(b.id));
      const next = messages[i + 1];
      const results = new Set(
        next?.role === 'user'
          ? blocksOf(next)
              .filter((b) => b.type === 'tool_result')
              .map((b) => String(b.tool_use_id))
          : [],
      );
      const missing = ids.filter((id) => !results.has(id));
      if (missing.length)
        return `messages.${i + 1}: \`tool_use\` ids were found without \`tool_result\` blocks immediately after: ${missing.join(', ')}. Each \`tool_use\` block must have a corresponding \`tool_result\` block in the next message.`;
    }
  }
  return null;
}

/** What is wrong with a request body, as the API's invalid_request_error message; null when it is fine. */
export function requestProblem(body: {
  model?: unknown;
  max_tokens?: unknown;
  messages?: unknown;
  system?: unknown;
  tools?: unknown;
}): string | null {
  if (typeof body.model !== 'string' || !body.model) return 'model: Field required';
  if (typeof body.max_tokens !== 'number') return 'max_tokens: Field required';
  if (!Array.isArray(body.messages) || !body.messages.length) return 'messages: at least one message is required';
  const breakpoints = breakpointCount(body);
  if (breakpoints > 4) return `A maximum of 4 blocks with cache_control may be provided. Found ${breakpoints}.`;
  return conversationProblem(body.messages as Message[]);
}
