import { ratesFor, turnCostUsd } from '../../activities/agent/pricing';

const turn = (inputTokens: number, outputTokens: number, cacheWriteTokens = 0, cacheReadTokens = 0) => ({
  inputTokens,
  outputTokens,
  cacheWriteTokens,
  cacheReadTokens,
});

describe('pricing', () => {
  it.each(['claude-haiku-4-5', 'claude-haiku-4-5-20251001'])(
    'prices %s at $1 / $5 / $1.25 / $0.10 per MTok',
    (model) => {
      expect(turnCostUsd(model, turn(1_000_000, 0))).toBeCloseTo(1, 10);
      expect(turnCostUsd(model, turn(0, 1_000_000))).toBeCloseTo(5, 10);
      expect(turnCostUsd(model, turn(0, 0, 1_000_000))).toBeCloseTo(1.25, 10);
      expect(turnCostUsd(model, turn(0, 0, 0, 1_000_000))).toBeCloseTo(0.1, 10);
      expect(turnCostUsd(model, turn(2000, 300, 4000, 10_000))).toBeCloseTo(
        (2000 * 1 + 300 * 5 + 4000 * 1.25 + 10_000 * 0.1) / 1e6,
        12,
      );
    },
  );

  it('prices claude-haiku-5-5 by the prompt size of the turn', () => {
    expect(ratesFor('claude-haiku-5-5', 100_000)).toEqual({
      input: 0.1,
      output: 0.5,
      cacheWrite: 0.125,
      cacheRead: 0.01,
    });
    expect(turnCostUsd('claude-haiku-5-5', turn(50_000, 1000, 20_000, 30_000))).toBeCloseTo(
      (50_000 * 0.1 + 1000 * 0.5 + 20_000 * 0.125 + 30_000 * 0.01) / 1e6,
      12,
    );
    expect(ratesFor('claude-haiku-5-5', 100_001)?.input).toBe(0.5);
  });

  it('has no price for an unknown model (tokens only)', () => {
    expect(ratesFor('claude-unknown-1', 10)).toBeUndefined();
    expect(turnCostUsd('claude-unknown-1', turn(10, 10))).toBeUndefined();
  });
});
