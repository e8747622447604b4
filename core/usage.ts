import type { TokenUsage } from './types';

export const noUsage = (): TokenUsage => ({ inputTokens: 0, outputTokens: 0, cacheWriteTokens: 0, cacheReadTokens: 0 });

/** Adds `u` into `total` (dollars only where known); `sign` -1 takes it out again. Pure apart from `total`. */
export function addUsage(total: TokenUsage, u: TokenUsage, sign: 1 | -1 = 1): void {
  total.inputTokens += sign * u.inputTokens;
  total.outputTokens += sign * u.outputTokens;
  total.cacheWriteTokens += sign * u.cacheWriteTokens;
  total.cacheReadTokens += sign * u.cacheReadTokens;
  if (u.costUsd !== undefined) total.costUsd = (total.costUsd ?? 0) + sign * u.costUsd;
}
