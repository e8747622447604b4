import type { RunReport } from '../../core/types';
import { progressLine } from '../../client/follow-run';
import { progressDetails } from '../../workflows/progress-details';
import { countTasks } from '../../core/task-table';

it('summarises the run for the Web UI: counts, batches, who waits for approval', () => {
  const r = {
    runId: 'r1',
    status: 'running',
    branch: 'flotilla/r1',
    tasks: [
      { id: 'A', title: 'a', status: 'committed', phase: 1, batch: '1A', attempts: 1 },
      { id: 'B', title: 'b', status: 'awaiting-approval', phase: 2, batch: '2A', attempts: 0 },
      { id: 'C', title: 'c', status: 'skipped', phase: null, batch: null, attempts: 0 },
    ],
    batches: [
      {
        id: '1A',
        phase: 1,
        label: 'docs in src',
        mode: 'parallel',
        taskIds: ['A'],
        state: 'done',
        suite: { passed: true },
      },
    ],
  } as unknown as RunReport;
  r.counts = countTasks(r.tasks).counts;
  const md = progressDetails(r);
  expect(md).toContain('**running** on `flotilla/r1`: 1/2 tasks done — 1 committed, 1 skipped, 0 failed, 0 running');
  expect(md).toContain('Waiting for approval: B (flotilla approve r1 TASK-x)');
  expect(md).toContain('| 1A | parallel | done | green | docs in src |');
});

it('counts the tasks of earlier segments that the run no longer holds, and says which segment runs', () => {
  const tasks = [{ id: 'Z', title: 'z', status: 'running', phase: 3, batch: '3A', attempts: 1 }] as RunReport['tasks'];
  const counts = countTasks(tasks).counts;
  counts.committed += 1500;
  counts.planned += 1500;
  const r = {
    runId: 'r2',
    status: 'running',
    branch: 'flotilla/r2',
    tasks,
    counts,
    segment: { number: 2, of: 3 },
    batches: [],
  } as unknown as RunReport;
  expect(progressDetails(r)).toContain(
    '**running** on `flotilla/r2` (segment 2 of 3): 1500/1501 tasks done — 1500 committed, 0 skipped, 0 failed, 1 running',
  );
});

it('the CLI progress line counts planned tasks only, and names the batch while tasks run', () => {
  const tasks = [
    { id: 'A', title: 'a', status: 'committed', phase: 1, batch: '1A', attempts: 1 },
    { id: 'B', title: 'b', status: 'running', phase: 1, batch: '1A', attempts: 1 },
    { id: 'C', title: 'c', status: 'skipped', phase: null, batch: null, attempts: 0 },
    { id: 'D', title: 'd', status: 'skipped', phase: 1, batch: '1A', attempts: 1 },
  ] as RunReport['tasks'];
  const r = {
    runId: 'r',
    status: 'running',
    tasks,
    counts: countTasks(tasks).counts,
    batches: [{ id: '1A', state: 'running' }],
    usage: { costUsd: 0.5 },
  } as unknown as RunReport;
  expect(progressLine(r)).toBe('  … 2/3 tasks done (1 committed, 1 skipped), 1 running in batch 1A, $0.50 so far');
});
