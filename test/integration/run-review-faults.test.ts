// The run-level review under an API fault storm: one activity per category on the shared agents queue (counted by
// --agent-rpm), each answer checkpointed, so a fault on one category never pays again for another's answered call.
import { defaultPayloadConverter } from '@temporalio/common';
import { startRun } from '../../client/start-run';
import { resultWithin, runSettings, uniqueRunId } from '../helpers/run-helpers';
import { makeSampleRepo } from '../helpers/sample-repo';
import { useTestWorker } from '../helpers/test-worker';

// 529, 429 and 500 on the first request of conversations: the agents', the task reviewers', and the run reviewer's
// pass over `refactor` (TASK-0006), which comes after `docs` was answered.
const storm = (asks: 'agent' | 'review' | 'run-review', times: number, taskId?: string) =>
  (['overloaded', 'rate_limit', 'server_error'] as const).map((kind) => ({
    kind,
    asks,
    turn: 1,
    times,
    ...(taskId ? { taskId } : {}),
  }));
const worker = useTestWorker({
  faults: [...storm('run-review', 1, 'TASK-0006'), ...storm('agent', 1), ...storm('review', 1)],
});

describe('the run-level review under a fault storm', () => {
  it('reviews each category once: no answered model call is paid twice, and each pass is dispatched on the shared agents queue', async () => {
    const repo = await makeSampleRepo();
    const h = await startRun(worker().client, runSettings(repo, { runId: uniqueRunId('storm') }), worker().taskQueue);
    const report = await resultWithin(h, { what: 'the run under a fault storm', timeoutMs: 200_000 });
    expect(report.status).toBe('completed');
    expect(report.runReview?.error).toBeUndefined();
    expect(report.runReview?.notes.map((n) => n.category)).toEqual(['docs', 'refactor']);
    // Every fault fired, the run reviewer's three on its second category.
    const fired = worker().standIn.fired;
    expect(fired).toHaveLength(9);
    // No request answered twice word for word (same asker, task and conversation so far): nothing paid again.
    const answered = new Map<string, number>();
    for (const e of worker().standIn.log.filter((x) => x.status === 200))
      answered.set(`${e.kind} ${e.taskId} ${e.prefix}`, (answered.get(`${e.kind} ${e.taskId} ${e.prefix}`) ?? 0) + 1);
    expect([...answered].filter(([, n]) => n > 1)).toEqual([]);
    // Each category's pass is an activity of its own on the shared agents queue, whose server-side rate is --agent-rpm.
    const scheduled: Array<{ type: string; queue: string; category: unknown }> = [];
    for await (const e of (await h.fetchHistory()).events ?? []) {
      const a = e.activityTaskScheduledEventAttributes;
      if (a?.activityType?.name === 'reviewRunCategory')
        scheduled.push({
          type: a.activityType.name,
          queue: a.taskQueue?.name ?? '',
          category: (defaultPayloadConverter.fromPayload(a.input!.payloads![0]) as { category: string }).category,
        });
    }
    expect(scheduled).toEqual(
      ['docs', 'refactor'].map((category) => ({
        type: 'reviewRunCategory',
        queue: `${worker().taskQueue}-agents`,
        category,
      })),
    );
  }, 240_000);
});

// A run reviewer that never answers (500 on every request): the advice is given up after a few quick tries per
// category, named in the review's error, and the run ends: it is not held open for minutes.
describe('the run-level review when the API keeps failing', () => {
  const down = useTestWorker({ faults: [{ kind: 'server_error', asks: 'run-review', times: 1000 }] });
  it('gives up within a bounded time, names what it could not review, and completes the run', async () => {
    const repo = await makeSampleRepo();
    const h = await startRun(down().client, runSettings(repo, { runId: uniqueRunId('down') }), down().taskQueue);
    const report = await resultWithin(h, { what: 'the run whose run reviewer is down', timeoutMs: 200_000 });
    expect(report.status).toBe('completed');
    expect(report.runReview?.notes).toEqual([]);
    // Each category it reached is named with its error; the run waits REVIEW_GRACE_MS past its final validation at
    // most, so a category still being tried then is named as left out.
    expect(report.runReview?.error).toMatch(/^docs: .*500/);
    expect(report.runReview?.error).toMatch(/refactor: .*500|not finished 15 s after the final validation/);
    // From the review's first step to the run's end: each category's tries (2 + 4 + 8 s of backoff), not minutes.
    const events = (await h.fetchHistory()).events ?? [];
    const at = (e: (typeof events)[number]) => Number(e.eventTime!.seconds) * 1000 + (e.eventTime!.nanos ?? 0) / 1e6;
    const first = events.find(
      (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'runReviewCategories',
    )!;
    const last = events[events.length - 1];
    expect(at(last) - at(first)).toBeLessThan(60_000);
    // Never more than 4 tries per category (2 categories).
    expect(down().standIn.log.filter((e) => e.kind === 'review' && e.status === 500).length).toBeGreaterThanOrEqual(4);
    expect(down().standIn.log.filter((e) => e.kind === 'review' && e.status === 500).length).toBeLessThanOrEqual(8);
  }, 240_000);
});
