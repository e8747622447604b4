import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { runDir } from '../run-paths';
import type { BatchProgress } from '../../core/run-state';
import type { BatchState, TaskState } from '../../core/types';

const stateDir = (repoPath: string, runId: string) => path.join(runDir(repoPath, runId), 'state');

/** What a finished segment leaves on disk. */
interface SegmentRecord {
  tasks: TaskState[];
  batches: Record<string, BatchProgress>;
}

/** Writes the task states and batch results of a finished segment, before the run drops them from memory. Idempotent. */
export async function saveTaskStates(a: {
  runId: string;
  repoPath: string;
  segment: number;
  tasks: TaskState[];
  batches?: Record<string, BatchProgress>;
}): Promise<void> {
  const dir = stateDir(a.repoPath, a.runId);
  await fs.mkdir(dir, { recursive: true });
  const file = path.join(dir, `segment-${a.segment}.json`);
  const record: SegmentRecord = { tasks: a.tasks, batches: a.batches ?? {} };
  await fs.writeFile(`${file}.tmp`, JSON.stringify(record) + '\n');
  await fs.rename(`${file}.tmp`, file);
}

/**
 * Every task and batch of the run: what earlier segments saved, overridden by what the run still holds
 * in memory (the latest word on each), tasks in order of first appearance.
 */
export async function allRunRecords(
  repoPath: string,
  runId: string,
  live: { tasks: TaskState[]; batches: BatchState[] },
): Promise<{ tasks: TaskState[]; batches: BatchState[] }> {
  const dir = stateDir(repoPath, runId);
  const files = (await fs.readdir(dir).catch(() => [] as string[])).filter((f) => /^segment-\d+\.json$/.test(f));
  files.sort((x, y) => Number(x.replace(/\D/g, '')) - Number(y.replace(/\D/g, '')));
  const byId = new Map<string, TaskState>();
  const progress: Record<string, BatchProgress> = {};
  for (const f of files) {
    const record = JSON.parse(await fs.readFile(path.join(dir, f), 'utf8')) as SegmentRecord;
    for (const t of record.tasks) byId.set(t.id, t);
    Object.assign(progress, record.batches);
  }
  for (const t of live.tasks) byId.set(t.id, t);
  return { tasks: [...byId.values()], batches: live.batches.map((b) => ({ ...b, ...progress[b.id] })) };
}
