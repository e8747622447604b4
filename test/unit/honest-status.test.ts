import { renderReview } from '../../activities/records/review-render';
import { progressLine, summaryLines } from '../../client/follow-run';
import { validateControl, initialControl } from '../../core/control';
import { countTasks } from '../../core/task-table';
import type { RunReport, TaskState } from '../../core/types';

/** integrated (on the branch, its batch's suite not passed) is never shown, counted or reviewed as committed. */
describe('integrated vs committed, everywhere a run is shown', () => {
  const usage = { inputTokens: 0, outputTokens: 0, cacheWriteTokens: 0, cacheReadTokens: 0 };
  const tasks: TaskState[] = [
    {
      id: 'TASK-0001',
      title: 'Document add',
      status: 'committed',
      phase: 1,
      batch: '1A',
      attempts: 1,
      commit: 'a'.repeat(40),
    },
    {
      id: 'TASK-0002',
      title: 'Document sub',
      status: 'integrated',
      phase: 1,
      batch: '1A',
      attempts: 1,
      commit: 'b'.repeat(40),
      reason: "on the run branch, but the batch's full suite did not pass on it (test/env.test.js::up)",
    },
  ];
  const report = {
    runId: 'r1',
    repoPath: '/r',
    status: 'failed',
    branch: 'flotilla/r1',
    baseSha: 'c'.repeat(40),
    model: 'm',
    planPath: null,
    startedAt: '',
    batches: [],
    tasks,
    counts: { ...countTasks(tasks).counts },
    usage,
  } as unknown as RunReport;

  it('counts, the progress line and the summary keep them apart', () => {
    expect(report.counts).toMatchObject({ committed: 1, integrated: 1 });
    expect(progressLine(report)).toContain('1 committed, 1 integrated');
    const summary = summaryLines(report).join('\n');
    expect(summary).toContain('1 task(s) committed on flotilla/r1, 1 integrated');
    expect(summary).toContain("TASK-0002 integrated: on the run branch, but the batch's full suite did not pass on it");
  });

  it('review.md lists an integrated task apart, never under the commits, and keeps it in the rollback plan', () => {
    const md = renderReview(report, null, []);
    expect(md).toContain(
      "- Tasks: 1 committed, 1 integrated but not verified by their batch's suite, 0 skipped or failed, of 2",
    );
    const commits = md.slice(md.indexOf('## Commits by phase and category'), md.indexOf('## Integrated, not verified'));
    expect(commits).toContain('TASK-0001');
    expect(commits).not.toContain('TASK-0002');
    expect(md).toContain('## Integrated, not verified');
    expect(md).toContain(`git revert --no-edit ${'b'.repeat(40)}   # TASK-0002`);
  });

  it('skip and retry of an integrated task are refused with the reason', () => {
    const ctx = {
      runId: 'r1',
      runStatus: 'running' as const,
      control: initialControl(undefined),
      statusOf: () => ({ status: 'integrated', planned: true }),
    };
    expect(() => validateControl({ action: 'skip', runId: 'r1', taskId: 'TASK-0002' } as never, ctx)).toThrow(
      /already on the run branch \(integrated/,
    );
    expect(() => validateControl({ action: 'retry', runId: 'r1', taskId: 'TASK-0002' } as never, ctx)).toThrow(
      /integrated on the run branch/,
    );
  });
});
