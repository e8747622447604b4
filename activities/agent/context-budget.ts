/**
 * The conversation's budget: an estimate of a request's input tokens before it is sent, and old tool results
 * trimmed when it nears the model's context window (the first message, the recent results and every tool
 * call stay whole, so the conversation remains valid and the prompt cache's prefix breaks as rarely as
 * possible: trimming happens in one sweep, down well below the threshold). Pure.
 */
import type Anthropic from '@anthropic-ai/sdk';

/** Context windows by model id prefix (Anthropic's model overview); 200K when unknown. */
const WINDOWS: Array<[RegExp, number]> = [
  [/^claude-haiku-5/, 1_000_000],
  [/^claude-(opus|sonnet)-4-[6-9]|^claude-(opus|sonnet)-[5-9]/, 1_000_000],
];
export const DEFAULT_CONTEXT_WINDOW = 200_000;
export const contextWindowOf = (model: string) => WINDOWS.find(([re]) => re.test(model))?.[1] ?? DEFAULT_CONTEXT_WINDOW;

/** Characters per token assumed by the estimate: below the ~4 of English prose and code, so it errs high. */
const CHARS_PER_TOKEN = 3.5;
/** The API's hidden tool-use prompt and the text editor's own (pricing docs). */
const TOOL_PROMPT_TOKENS = 346 + 700;
/** Tool results this recent are never trimmed. */
export const KEEP_RECENT_RESULTS = 4;
/** What a trimmed result keeps of its start. */
const TRIMMED_HEAD_CHARS = 200;

export interface BudgetRequest {
  system: string;
  tools: unknown[];
  messages: Anthropic.MessageParam[];
}

/** An estimate of the request's input tokens (the API's count_tokens is exact but costs a request per turn). */
export function estimateTokens(r: BudgetRequest): number {
  const chars = r.system.length + JSON.stringify(r.tools).length + JSON.stringify(r.messages).length;
  return Math.ceil(chars / CHARS_PER_TOKEN) + (r.tools.length ? TOOL_PROMPT_TOKENS : 0);
}

/** The tokens a request may use for its input: the window less the reply's max_tokens and a margin for the estimate's error. */
export const inputLimit = (window: number, maxTokens: number) => Math.floor((window - maxTokens) * 0.9);

const resultText = (b: Anthropic.ToolResultBlockParam) =>
  typeof b.content === 'string'
    ? b.content
    : (b.content ?? []).map((c) => (c.type === 'text' ? c.text : `[${c.type}]`)).join('\n');

/**
 * Replaces the text of tool results older than the most recent `keep` with a short stub, oldest first, until
 * the estimate is at most `target`. Returns how many results it trimmed. Results already trimmed are skipped.
 */
export function trimOldToolResults(r: BudgetRequest, target: number, keep = KEEP_RECENT_RESULTS): number {
  const where: Array<[number, number]> = [];
  r.messages.forEach((m, i) => {
    if (m.role === 'user' && Array.isArray(m.content))
      m.content.forEach((b, k) => b.type === 'tool_result' && where.push([i, k]));
  });
  let trimmed = 0;
  // Kept up to date by what each trim removes (JSON-escaping aside), not recounted: conversations are long.
  let estimate = estimateTokens(r);
  for (const [i, k] of where.slice(0, Math.max(0, where.length - keep))) {
    if (estimate <= target) break;
    const content = r.messages[i].content as Anthropic.ContentBlockParam[];
    const block = content[k] as Anthropic.ToolResultBlockParam;
    const text = resultText(block);
    if (text.startsWith('[trimmed')) continue;
    if (text.length <= TRIMMED_HEAD_CHARS * 2) continue;
    const stub = `[trimmed to save context: ${text.length} characters; the start was: ${text.slice(0, TRIMMED_HEAD_CHARS)}…] Run the tool again if you need this result.`;
    const next = [...content];
    next[k] = { ...block, content: stub };
    r.messages[i] = { ...r.messages[i], content: next } as Anthropic.MessageParam;
    estimate -= Math.floor((text.length - stub.length) / CHARS_PER_TOKEN);
    trimmed++;
  }
  return trimmed;
}

export interface Fitted {
  /** The estimate after any trimming. */
  estimate: number;
  trimmed: number;
  /** False when even trimmed it would not fit: the request must not be sent. */
  fits: boolean;
}

/**
 * Keeps the conversation within the window: when the estimate passes 80% of the input limit, old tool results
 * are trimmed down to 60% of it (one sweep, so the cached prefix is broken once, not every turn).
 */
export function fitConversation(r: BudgetRequest, window: number, maxTokens: number): Fitted {
  const limit = inputLimit(window, maxTokens);
  let estimate = estimateTokens(r);
  let trimmed = 0;
  if (estimate > limit * 0.8) {
    trimmed = trimOldToolResults(r, Math.floor(limit * 0.6));
    estimate = estimateTokens(r);
  }
  return { estimate, trimmed, fits: estimate <= limit };
}
