/**
 * The reviewer's model when --review-model is not given: a stronger one for the changes where a subtle
 * behaviour change is most likely and the tests least likely to catch it (refactors, dead-code removal,
 * high-risk tasks), the coding model otherwise. Pure.
 */
// The current Sonnet (claude-sonnet-4-5 reached end-of-life on 2026-11-30; the SDK warns on every request to it).
export const STRONG_REVIEW_MODEL = 'claude-sonnet-5-5';

const NEEDS_A_STRONGER_EYE = new Set(['refactor', 'dead-code', 'deadcode', 'dead_code', 'unused']);

export function defaultReviewModel(task: { category: string; risk: string }, codingModel: string): string {
  return NEEDS_A_STRONGER_EYE.has(task.category.toLowerCase()) || task.risk === 'high'
    ? STRONG_REVIEW_MODEL
    : codingModel;
}
