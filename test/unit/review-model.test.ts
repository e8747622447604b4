import { defaultReviewModel, STRONG_REVIEW_MODEL } from '../../core/review-model';
import { turnCostUsd } from '../../activities/agent/pricing';

describe('the default review model (issue 25)', () => {
  it('is stronger for refactors, dead code and high-risk tasks, the coding model otherwise', () => {
    expect(defaultReviewModel({ category: 'refactor', risk: 'low' }, 'claude-haiku-4-5')).toBe(STRONG_REVIEW_MODEL);
    expect(defaultReviewModel({ category: 'dead-code', risk: 'low' }, 'claude-haiku-4-5')).toBe(STRONG_REVIEW_MODEL);
    expect(defaultReviewModel({ category: 'docs', risk: 'high' }, 'claude-haiku-4-5')).toBe(STRONG_REVIEW_MODEL);
    expect(defaultReviewModel({ category: 'docs', risk: 'low' }, 'claude-haiku-4-5')).toBe('claude-haiku-4-5');
    // It has a price, so a run's cost stays known.
    expect(
      turnCostUsd(STRONG_REVIEW_MODEL, {
        inputTokens: 1_000_000,
        outputTokens: 0,
        cacheWriteTokens: 0,
        cacheReadTokens: 0,
      }),
    ).toBe(2);
  });
});
