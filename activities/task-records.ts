import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { runDir } from './run-paths';
import type { TaskState } from './types';

const stateDir = (repoPath: string, runId: string) => path.join(runDir(repoPath, runId), 'state');

/** Writes the task states of a finished segment, before the run workflow drops them from memory. Idempotent. */
export async function saveTaskStates(a: { runId: string; repoPath: string; segment: number; tasks: TaskState[] }): Promise<void> {
  const dir = stateDir(a.repoPath, a.runId);
  await fs.mkdir(dir, { recursive: true });
  const file = path.join(dir, `segment-${a.segment}.json`);
  await fs.writeFile(`${file}.tmp`, JSON.stringify(a.tasks) + '\n');
  await fs.rename(`${file}.tmp`, file);
}

/**
 * Every task of the run: the states saved by earlier segments, overridden by what the run still holds
 * in memory (the latest word on each task), in plan order of first appearance.
 */
export async function allTaskStates(repoPath: string, runId: string, live: TaskState[]): Promise<TaskState[]> {
  const dir = stateDir(repoPath, runId);
  const files = (await fs.readdir(dir).catch(() => [] as string[])).filter((f) => /^segment-\d+\.json$/.test(f));
  files.sort((x, y) => Number(x.replace(/\D/g, '')) - Number(y.replace(/\D/g, '')));
  const byId = new Map<string, TaskState>();
  for (const f of files) for (const t of JSON.parse(await fs.readFile(path.join(dir, f), 'utf8')) as TaskState[]) byId.set(t.id, t);
  for (const t of live) byId.set(t.id, t);
  return [...byId.values()];
}
