import { createHash } from 'node:crypto';

/**
 * The stand-in's prompt cache, modelled on the API's: the prompt is the sequence tools → system →
 * message blocks; a block with cache_control is a breakpoint. A prefix ending at a breakpoint is written
 * to the cache (if it has at least `minTokens`, 4,096 for Haiku 4.5); a later request reads the longest
 * cached prefix that ends at, or up to 20 blocks before, one of its breakpoints. Entries live 5 minutes,
 * refreshed on every read. Tokens are counted as ~4 characters each, plus the prompt the API adds for tools.
 */

type Json = Record<string, unknown>;

export interface CacheUsage {
  input_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
}

export const tokensOf = (s: string) => Math.max(1, Math.ceil(s.length / 4));

/**
 * What the API adds to the prompt for tools, counted as input and cached with them (Anthropic's pricing docs, Claude 4.x):
 * a hidden tool-use system prompt of 346 tokens (313 when tool_choice forces a tool), and 700 for the text editor tool.
 */
export const TOOL_USE_PROMPT_TOKENS = 346;
export const TEXT_EDITOR_TOKENS = 700;
function toolOverhead(tool: unknown, first: boolean, forced: boolean): number {
  const editor = !!tool && typeof tool === 'object' && String((tool as Json).type ?? '').startsWith('text_editor_');
  return (first ? (forced ? 313 : TOOL_USE_PROMPT_TOKENS) : 0) + (editor ? TEXT_EDITOR_TOKENS : 0);
}
const LOOKBACK = 20;

interface PromptBlock {
  kind: 'tool' | 'system' | 'message';
  message?: number;
  role?: unknown;
  content: unknown;
}

/** The request's prompt as a flat list of blocks, in cache order: tools, system, then message blocks. */
export function promptBlocks(body: { tools?: unknown; system?: unknown; messages?: unknown }): PromptBlock[] {
  const blocks: PromptBlock[] = [];
  if (Array.isArray(body.tools)) blocks.push(...body.tools.map((t): PromptBlock => ({ kind: 'tool', content: t })));
  const system =
    typeof body.system === 'string'
      ? [{ type: 'text', text: body.system }]
      : Array.isArray(body.system)
        ? body.system
        : [];
  blocks.push(...system.map((s): PromptBlock => ({ kind: 'system', content: s })));
  (Array.isArray(body.messages) ? body.messages : []).forEach((m: Json, i: number) => {
    const content =
      typeof m.content === 'string' ? [{ type: 'text', text: m.content }] : Array.isArray(m.content) ? m.content : [];
    for (const b of content) blocks.push({ kind: 'message', message: i, role: m.role, content: b });
  });
  return blocks;
}

const isBreakpoint = (b: PromptBlock) =>
  !!b.content && typeof b.content === 'object' && !!(b.content as Json).cache_control;

/** A block's identity for the cache: its content without the cache_control marker. */
function blockText(b: PromptBlock): string {
  const content =
    b.content && typeof b.content === 'object' ? { ...(b.content as Json), cache_control: undefined } : b.content;
  return JSON.stringify({ ...b, content });
}

/** How many cache_control breakpoints a request has (the API allows 4). */
export const breakpointCount = (body: { tools?: unknown; system?: unknown; messages?: unknown }) =>
  promptBlocks(body).filter(isBreakpoint).length;

export class PromptCache {
  private readonly entries = new Map<string, number>();

  constructor(
    private readonly minTokens = 4096,
    private readonly ttlMs = 5 * 60_000,
    private readonly now = () => Date.now(),
  ) {}

  /** Reads and writes the cache for one request; returns its input usage split like the API's. */
  use(body: {
    model?: unknown;
    tools?: unknown;
    system?: unknown;
    messages?: unknown;
    tool_choice?: unknown;
  }): CacheUsage {
    const blocks = promptBlocks(body);
    const hashes: string[] = [];
    const prefix: number[] = [];
    let hash = createHash('sha256').update(String(body.model)).digest('hex');
    let total = 0;
    const forced = ['any', 'tool'].includes(String((body.tool_choice as Json | undefined)?.type));
    for (const [i, b] of blocks.entries()) {
      const text = blockText(b);
      hash = createHash('sha256').update(hash).update(text).digest('hex');
      total += tokensOf(text) + (b.kind === 'tool' ? toolOverhead(b.content, i === 0, forced) : 0);
      hashes.push(hash);
      prefix.push(total);
    }
    const breakpoints = blocks.map((b, i) => (isBreakpoint(b) ? i : -1)).filter((i) => i >= 0);
    const now = this.now();
    let read = -1;
    for (const bp of breakpoints) {
      for (let j = bp; j >= 0 && j > bp - LOOKBACK; j--) {
        const expiry = this.entries.get(hashes[j]);
        if (expiry !== undefined && expiry > now && j > read) {
          read = j;
          break;
        }
      }
    }
    if (read >= 0) this.entries.set(hashes[read], now + this.ttlMs);
    const readTokens = read >= 0 ? prefix[read] : 0;
    let written = readTokens;
    for (const bp of breakpoints) {
      if (bp <= read || prefix[bp] < this.minTokens) continue;
      this.entries.set(hashes[bp], now + this.ttlMs);
      written = Math.max(written, prefix[bp]);
    }
    return {
      input_tokens: total - written,
      cache_creation_input_tokens: written - readTokens,
      cache_read_input_tokens: readTokens,
    };
  }
}
