/**
 * What a model turn costs, in US dollars, from the published per-million-token prices.
 * Only 5-minute cache writes are priced: Flotilla never asks for the 1-hour TTL.
 * An unknown model has no price: callers then report tokens only (costUsd undefined).
 */

export interface Rates {
  /** USD per million tokens. */
  input: number;
  output: number;
  cacheWrite: number;
  cacheRead: number;
}

interface Tier {
  /** This tier applies to prompts (input + cache write + cache read) of at most this many tokens. */
  upToPromptTokens: number;
  rates: Rates;
}

const HAIKU_4_5: Tier[] = [
  { upToPromptTokens: Infinity, rates: { input: 1, output: 5, cacheWrite: 1.25, cacheRead: 0.1 } },
];

const PRICES: Record<string, Tier[]> = {
  'claude-haiku-4-5': HAIKU_4_5,
  'claude-haiku-4-5-20251001': HAIKU_4_5,
  // The reviewer's default for refactors, dead code and high-risk tasks (core/review-model.ts): $2 / $10, cache read
  // $0.20, 5-minute cache write $2.50 per million tokens (Anthropic's published rate, the same as Sonnet 5).
  'claude-sonnet-5-5': [
    { upToPromptTokens: Infinity, rates: { input: 2, output: 10, cacheWrite: 2.5, cacheRead: 0.2 } },
  ],
  // End of life 2026-11-30; still priced for runs that name it.
  'claude-sonnet-4-5': [
    { upToPromptTokens: Infinity, rates: { input: 3, output: 15, cacheWrite: 3.75, cacheRead: 0.3 } },
  ],
  'claude-haiku-5-5': [
    { upToPromptTokens: 100_000, rates: { input: 0.1, output: 0.5, cacheWrite: 0.125, cacheRead: 0.01 } },
    // Above 100K: $0.50 / $2.50 published; the cache rates use the standard 1.25x / 0.1x of input.
    { upToPromptTokens: Infinity, rates: { input: 0.5, output: 2.5, cacheWrite: 0.625, cacheRead: 0.05 } },
  ],
};

export interface TurnTokens {
  inputTokens: number;
  outputTokens: number;
  cacheWriteTokens: number;
  cacheReadTokens: number;
}

/** The rates for one prompt of `promptTokens` tokens, or undefined for a model without a price. */
export function ratesFor(model: string, promptTokens: number): Rates | undefined {
  return PRICES[model]?.find((t) => promptTokens <= t.upToPromptTokens)?.rates;
}

/** The cost of ONE model turn (the tier depends on that turn's prompt size), or undefined for an unknown model. */
export function turnCostUsd(model: string, t: TurnTokens): number | undefined {
  const rates = ratesFor(model, t.inputTokens + t.cacheWriteTokens + t.cacheReadTokens);
  if (!rates) return undefined;
  const micro =
    t.inputTokens * rates.input +
    t.outputTokens * rates.output +
    t.cacheWriteTokens * rates.cacheWrite +
    t.cacheReadTokens * rates.cacheRead;
  return micro / 1_000_000;
}
