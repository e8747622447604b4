import type { TokenUsage } from './types';

export const noUsage = (): TokenUsage => ({ inputTokens: 0, outputTokens: 0, cacheWriteTokens: 0, cacheReadTokens: 0 });

/** Adds `u` into `total` (dollars only where known); `sign` -1 takes it out again. Pure apart from `total`. */
export function addUsage(total: TokenUsage, u: TokenUsage, sign: 1 | -1 = 1): void {
  total.inputTokens += sign * u.inputTokens;
  total.outputTokens += sign * u.outputTokens;
  total.cacheWriteTokens += sign * u.cacheWriteTokens;
  total.cacheReadTokens += sign * u.cacheReadTokens;
  // Rounded to a billionth of a cent: the same usages summed in another order give the same total (a report read
  // back from disk equals the one the run returned).
  if (u.costUsd !== undefined) total.costUsd = Math.round(((total.costUsd ?? 0) + sign * u.costUsd) * 1e11) / 1e11;
}
