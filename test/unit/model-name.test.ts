import type { RunReport } from '../../core/types';
import { renderReview } from '../../activities/records/review-render';
import { summaryLines } from '../../client/follow-run';
import { describeModel, modelFamily, recordedModel, taskToolModel } from '../../planner/render/model-name';
import { progressDetails } from '../../workflows/progress-details';

const report = (over: Partial<RunReport>): RunReport =>
  ({
    runId: 'r1',
    repoPath: '/r',
    status: 'completed',
    branch: 'flotilla/r1',
    baseSha: 'abc',
    model: 'claude-sonnet-4-5',
    planPath: null,
    startedAt: '',
    batches: [],
    tasks: [],
    counts: { planned: 0, pending: 0, running: 0, 'awaiting-approval': 0, committed: 0, skipped: 0, failed: 0 },
    usage: { inputTokens: 0, outputTokens: 0, cacheWriteTokens: 0, cacheReadTokens: 0 },
    ...over,
  }) as RunReport;

describe('the model a record names', () => {
  it('says "haiku" only for Haiku: Claude Code\'s alias for the family, else the id', () => {
    expect(taskToolModel('claude-haiku-4-5')).toBe('haiku');
    expect(taskToolModel('claude-3-5-haiku-20241022')).toBe('haiku');
    expect(taskToolModel('claude-sonnet-4-5')).toBe('sonnet');
    expect(taskToolModel('claude-opus-4-1')).toBe('opus');
    expect(taskToolModel('my-proxy-model')).toBe('my-proxy-model');
    expect(modelFamily('claude-sonnet-4-5')).toBe('sonnet');
  });

  it('review.md, the run summary and the Web UI name the configured model, or the stand-in when it answered', () => {
    const sonnet = report({});
    expect(renderReview(sonnet, null, [])).toContain('- Model: `claude-sonnet-4-5`;');
    expect(summaryLines(sonnet)).toContain('  Model: `claude-sonnet-4-5`');
    expect(progressDetails(sonnet)).toContain('Model: `claude-sonnet-4-5`');
    const standIn = report({ model: 'claude-haiku-4-5', standIn: 'ANTHROPIC_API_KEY is not set' });
    const said = describeModel('claude-haiku-4-5', 'ANTHROPIC_API_KEY is not set');
    expect(said).toBe('the stand-in (not Claude, because ANTHROPIC_API_KEY is not set; configured `claude-haiku-4-5`)');
    expect(renderReview(standIn, null, [])).toContain(`- Model: ${said};`);
    expect(summaryLines(standIn)).toContain(`  Model: ${said}`);
    expect(progressDetails(standIn)).toContain(`Model: ${said}`);
    // A reviewer's verdict recorded on a stand-in worker.
    expect(recordedModel('claude-haiku-4-5', true)).toBe('stand-in, not Claude; configured claude-haiku-4-5');
    expect(recordedModel('claude-haiku-4-5', false)).toBe('claude-haiku-4-5');
  });
});
