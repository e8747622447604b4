import { ApplicationFailure } from '@temporalio/common';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type { Plan, PlannedTask } from '../../planner/types';
import { runDir } from '../run-paths';

const cache = new Map<string, { mtimeMs: number; plan: Plan }>();

/** The run's plan.json, parsed once per worker process while the file is unchanged. */
export async function readPlan(repoPath: string, runId: string): Promise<Plan> {
  const file = path.join(runDir(repoPath, runId), 'plan.json');
  const stat = await fs.stat(file).catch(() => {
    throw new Error(`${file} is missing: the run folder was removed while the run was going on. Start a new run.`);
  });
  const hit = cache.get(file);
  if (hit && hit.mtimeMs === stat.mtimeMs) return hit.plan;
  const plan = JSON.parse(await fs.readFile(file, 'utf8')) as Plan;
  cache.set(file, { mtimeMs: stat.mtimeMs, plan });
  return plan;
}

function pick(plan: Plan, ids: string[]): PlannedTask[] {
  return ids.map((id) => {
    const t = plan.tasks[id];
    if (!t)
      throw ApplicationFailure.nonRetryable(
        `${id} is not in the run's plan.json: the run folder was changed while the run was going on. Start a new run.`,
        'TaskInputError',
      );
    return t;
  });
}

/**
 * The per-task details of the plan stay in plan.json, out of the workflows' history: a batch loads
 * its own tasks, and the run the titles of the segment it is about to execute.
 */
export function makePlanStoreActivities() {
  return {
    async loadPlannedTasks(a: { runId: string; repoPath: string; ids: string[] }): Promise<PlannedTask[]> {
      return pick(await readPlan(a.repoPath, a.runId), a.ids);
    },
    async loadTaskTitles(a: { runId: string; repoPath: string; ids: string[] }): Promise<Record<string, string>> {
      return Object.fromEntries(pick(await readPlan(a.repoPath, a.runId), a.ids).map((t) => [t.id, t.title]));
    },
  };
}
