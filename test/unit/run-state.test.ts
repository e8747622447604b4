import type { PlanOutline, TaskState } from '../../core/types';
import { RunState, segmentTasks, tasksAfter } from '../../core/run-state';

const usage = (costUsd: number) => ({
  inputTokens: 100,
  outputTokens: 10,
  cacheWriteTokens: 0,
  cacheReadTokens: 0,
  costUsd,
});
const task = (id: string, status: TaskState['status'], over: Partial<TaskState> = {}): TaskState => ({
  id,
  title: id,
  status,
  phase: 1,
  batch: '1A',
  attempts: 1,
  ...over,
});

const outline: PlanOutline = {
  version: 1,
  repoName: 'r',
  taskCount: 5,
  testCommand: 'npm test',
  maxParallel: 2,
  totalEstimateMinutes: 10,
  skipped: [],
  phases: [
    {
      number: 1,
      name: 'low',
      risk: 'low',
      lowerBound: 1,
      batches: [{ id: '1A', phase: 1, mode: 'parallel', label: 'x', taskIds: ['A', 'B', 'C'] }],
    },
    {
      number: 2,
      name: 'mid',
      risk: 'medium',
      lowerBound: 1,
      batches: [{ id: '2A', phase: 2, mode: 'parallel', label: 'y', taskIds: ['D', 'E'] }],
    },
  ],
  segments: [
    { number: 1, batchIds: ['1A'], tasks: 3 },
    { number: 2, batchIds: ['2A'], tasks: 2 },
  ],
};

describe("RunState: the run workflow's memory of its tasks", () => {
  it("keeps usage totals up to date as tasks report, replacing a task's earlier usage instead of adding it twice", () => {
    const s = new RunState();
    s.set(task('A', 'running'));
    s.update({ id: 'A', status: 'committed', usage: usage(0.5) });
    s.update({ id: 'A', usage: usage(0.75) });
    s.set(task('B', 'skipped', { usage: usage(0.25), reason: 'tests failed' }));
    expect(s.usage().costUsd).toBeCloseTo(1.0);
    expect(s.usage().inputTokens).toBe(200);
    expect(s.blocked()).toEqual({ B: 'tests failed' });
  });

  it('after a segment, drops committed tasks but keeps their counts and cost, and keeps every task that did not commit', () => {
    const s = new RunState();
    s.set(task('A', 'committed', { usage: usage(0.5) }));
    s.set(task('B', 'committed', { usage: usage(0.25) }));
    s.set(task('C', 'failed', { usage: usage(0.125), reason: 'boom' }));
    s.updateBatch({ id: '1A', state: 'done' });
    const next = new RunState(s.carryAfterSaving());
    expect([...next.tasks.keys()]).toEqual(['C']);
    expect(next.savedCount()).toBe(2);
    expect(next.usage().costUsd).toBeCloseTo(0.875);
    expect(next.blocked()).toEqual({ C: 'boom' });
    const counts = next.counts({ n: tasksAfter(outline, 0), status: 'pending' });
    expect(counts).toMatchObject({ planned: 5, committed: 2, failed: 1, pending: 2 });
    // Batches of finished segments are done; their details went to disk with the tasks.
    expect(next.batches(outline, 1).map((b) => [b.id, b.state, b.outcome])).toEqual([
      ['1A', 'done', undefined],
      ['2A', 'pending', undefined],
    ]);
  });

  it("lists a segment's tasks with the phase and batch each runs in", () => {
    expect(segmentTasks(outline, outline.segments[1])).toEqual([
      { id: 'D', phase: 2, batch: '2A' },
      { id: 'E', phase: 2, batch: '2A' },
    ]);
    expect(tasksAfter(outline, 1)).toBe(0);
  });
});

it('keeps a batch suite without its output tail, and at most 50 failing test names', () => {
  const s = new RunState();
  const failing = Array.from({ length: 80 }, (_, i) => `test ${i}`);
  s.updateBatch({
    id: '1A',
    state: 'done',
    suite: {
      command: 'npm test',
      passed: false,
      exitCode: 1,
      failingTests: failing,
      tail: 'x'.repeat(6000),
      logPath: '/l',
      durationMs: 5,
    },
  });
  const [b] = s.batches(outline, 0);
  expect(b.suite).toMatchObject({ tail: '', passed: false, logPath: '/l' });
  expect(b.suite!.failingTests).toHaveLength(50);
});

it('after abort --rollback, the committed tasks saved from earlier segments count as rolled back', () => {
  const s = new RunState();
  s.set(task('A', 'committed'));
  const next = new RunState(s.carryAfterSaving());
  next.rollBackSaved();
  expect(next.counts({ n: 0, status: 'skipped' })).toMatchObject({ committed: 0, skipped: 1, planned: 1 });
  expect(next.savedCount()).toBe(1);
});
