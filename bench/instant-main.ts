// The run's queue without a repository: the run prepared at once, a backlog given in code planned by the real planner
// and written to plan.json (where the batches read it), and every git step instant. For bench:run and the
// orchestration tests (test/helpers/orchestration.ts).
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { MainActivities } from '../activities';
import { makePlanStoreActivities } from '../activities/records/plan-store';
import { runDir } from '../activities/run-paths';
import type { RunSettings } from '../core/types';
import { buildPlan, type Task } from '../planner';

/** For runs whose backlog is `backlogs.get(runId)`: prepareRun, planRun and the plan store, and instant commits, integration, worktrees (new shas from `nextSha`). */
export function instantMainActivities(backlogs: Map<string, Task[]>, nextSha: () => string, repoName: string) {
  const integrated = () => {
    const tip = nextSha();
    return { ok: true as const, commit: tip, tip };
  };
  const main: Partial<MainActivities> = {
    ...makePlanStoreActivities(),
    async prepareRun(s: RunSettings) {
      return {
        baseSha: nextSha(),
        branch: `flotilla/${s.runId}`,
        runDir: runDir(s.repoPath, s.runId),
        testCommand: 'npm test',
      };
    },
    async planRun(a) {
      const plan = buildPlan(backlogs.get(a.runId)!, [], {
        repoName,
        testCommand: a.testCommand,
        sequentialRisk: a.sequentialRisk,
        maxParallel: a.maxParallel,
        segmentTasks: a.segmentTasks,
      });
      const dir = runDir(a.repoPath, a.runId);
      fs.mkdirSync(dir, { recursive: true });
      const planJsonPath = path.join(dir, 'plan.json');
      fs.writeFileSync(planJsonPath, JSON.stringify(plan));
      const { tasks, conflicts: _, ...outline } = plan;
      return {
        outline: { ...outline, taskCount: Object.keys(tasks).length },
        planPath: path.join(dir, 'plan.md'),
        planJsonPath,
      };
    },
    async commitTask() {
      return { commit: nextSha() };
    },
    async integrateCommits(a) {
      return a.commits.map(integrated);
    },
    async integrateCommit() {
      return integrated();
    },
    async removeTaskWorktree() {},
    async warmWorktrees() {
      return 0;
    },
    async resetRunBranch() {},
  };
  return main;
}
