import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type { PlannedRun, RunSettings } from '../../core/types';
import { buildPlan, parseTaskFiles, renderPlanMarkdown } from '../../planner';
import { gitAt } from '../git/git';
import { runDir } from '../run-paths';

const TASK_FILE = /^tasks\/[^/]+\.md$/;

export const planRunActivities = {
  /** Parses the task files committed at the base commit and writes plan.md and plan.json to the run folder. */
  async planRun(a: { runId: string; repoPath: string; baseSha: string; testCommand: string; maxParallel: number; model: string; sequentialRisk: RunSettings['sequentialRisk']; segmentTasks?: number }): Promise<PlannedRun> {
    const git = await gitAt(a.repoPath);
    const names = (await git.raw(['ls-tree', '-r', '--name-only', a.baseSha, '--', 'tasks/']))
      .split('\n')
      .filter((p) => TASK_FILE.test(p) && !/^tasks\/readme/i.test(p));
    const files = [];
    for (const p of names) files.push({ path: p, text: await git.raw(['show', `${a.baseSha}:${p}`]) });
    const { tasks, problems } = parseTaskFiles(files);
    const existingFiles = new Set((await git.raw(['ls-tree', '-r', '--name-only', a.baseSha])).split('\n').filter(Boolean));
    const plan = buildPlan(tasks, problems, {
      existingFiles,
      repoName: path.basename(a.repoPath),
      testCommand: a.testCommand,
      sequentialRisk: a.sequentialRisk,
      maxParallel: a.maxParallel,
      segmentTasks: a.segmentTasks,
    });
    const dir = runDir(a.repoPath, a.runId);
    const planPath = path.join(dir, 'plan.md');
    const planJsonPath = path.join(dir, 'plan.json');
    await fs.writeFile(planPath, renderPlanMarkdown(plan, { runId: a.runId, model: a.model }));
    await fs.writeFile(planJsonPath, JSON.stringify(plan, null, 2) + '\n');
    // Only the outline goes back into the workflow's history; batches load their tasks from plan.json.
    const { tasks: planned, conflicts: _, ...outline } = plan;
    return { outline: { ...outline, taskCount: Object.keys(planned).length }, planPath, planJsonPath };
  },
};
