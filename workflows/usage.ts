import type { TokenUsage } from '../activities/types';

export const noUsage = (): TokenUsage => ({ inputTokens: 0, outputTokens: 0, cacheWriteTokens: 0, cacheReadTokens: 0 });

/** Adds `u` into `total` (dollars only where known). Pure apart from `total`. */
export function addUsage(total: TokenUsage, u: TokenUsage): void {
  total.inputTokens += u.inputTokens;
  total.outputTokens += u.outputTokens;
  total.cacheWriteTokens += u.cacheWriteTokens;
  total.cacheReadTokens += u.cacheReadTokens;
  if (u.costUsd !== undefined) total.costUsd = (total.costUsd ?? 0) + u.costUsd;
}
