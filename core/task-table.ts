// Pure helpers over task states, shared by the run workflow and the activity that writes report.json.
import type { TaskCounts, TaskState, TokenUsage } from './types';
import { addUsage, noUsage } from './usage';

export const noCounts = (): TaskCounts => ({
  planned: 0,
  pending: 0,
  'awaiting-approval': 0,
  running: 0,
  integrated: 0,
  committed: 0,
  skipped: 0,
  failed: 0,
});

/** Adds the tasks' statuses (and usage) into `counts` (and `usage`). */
export function tally(tasks: Iterable<TaskState>, counts: TaskCounts, usage?: TokenUsage): void {
  for (const t of tasks) {
    counts[t.status] += 1;
    if (t.batch) counts.planned += 1;
    if (usage && t.usage) addUsage(usage, t.usage);
  }
}

export function countTasks(tasks: Iterable<TaskState>): { counts: TaskCounts; usage: TokenUsage } {
  const counts = noCounts();
  const usage = noUsage();
  tally(tasks, counts, usage);
  return { counts, usage };
}

export function addCounts(a: TaskCounts, b: TaskCounts): TaskCounts {
  const out = { ...a };
  for (const k of Object.keys(b) as Array<keyof TaskCounts>) out[k] += b[k];
  return out;
}

/** After abort --rollback: every committed task is recorded as rolled back, with the commit it had. */
export const rolledBack = (t: TaskState): TaskState =>
  t.status === 'committed' || t.status === 'integrated'
    ? { ...t, status: 'skipped', reason: `rolled back by abort --rollback (was ${t.commit})`, commit: undefined }
    : t;
