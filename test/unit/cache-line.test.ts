import { cacheLine } from '../../activities/records/review-render';

describe('cache reads in review.md (issue 25)', () => {
  it('says how much of the input the prompt cache served, per task and per run', () => {
    expect(cacheLine({ inputTokens: 1_000, outputTokens: 50, cacheWriteTokens: 1_000, cacheReadTokens: 8_000 })).toBe(
      '8000 of 10000 input tokens read from the prompt cache (80%), 1000 written',
    );
    expect(cacheLine({ inputTokens: 0, outputTokens: 0, cacheWriteTokens: 0, cacheReadTokens: 0 })).toBe(
      '0 of 0 input tokens read from the prompt cache (0%), 0 written',
    );
  });
});
