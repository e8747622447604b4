// A batch's changes onto the run branch.
import type { IntegrateResult } from '../../activities/git/integrate';
import { cutBytes } from '../../core/search-attributes';
import type { PlannedTask } from '../../planner/types';
import { mainActivities } from '../activity-proxies';
import type { RunContext, TaskOutcome } from '../types';

interface Waiting {
  task: PlannedTask;
  outcome: TaskOutcome;
  done: () => void;
  failed: (err: unknown) => void;
}

/**
 * Puts ready changes onto the run branch in the order their tasks finish: those that finished while a group was
 * being applied go on together in the next group, one integrateCommits activity for all of them. `recorded` is
 * told what each change gave (committed, or skipped with why); the promise `integrate` returns resolves once it
 * was, and rejects when the group's activity failed.
 */
export function integrationQueue(
  ctx: RunContext,
  recorded: (task: PlannedTask, outcome: TaskOutcome, r: IntegrateResult) => Promise<void>,
) {
  const main = mainActivities();
  let integrating = false;
  const waiting: Waiting[] = [];
  const integrateWaiting = async () => {
    if (integrating) return;
    integrating = true;
    try {
      while (waiting.length) {
        const group = waiting.splice(0);
        try {
          const commits = group.map((g) => ({ taskId: g.task.id, commit: g.outcome.commit! }));
          const results = await main.integrateCommits.executeWithOptions(
            { summary: cutBytes(`integrate ${commits.map((c) => c.taskId).join(', ')}`) },
            [{ runId: ctx.runId, repoPath: ctx.repoPath, commits }],
          );
          await Promise.all(results.map((r, i) => recorded(group[i].task, group[i].outcome, r)));
          for (const g of group) g.done();
        } catch (err) {
          for (const g of group) g.failed(err);
        }
      }
    } finally {
      integrating = false;
    }
  };
  return {
    integrate(task: PlannedTask, outcome: TaskOutcome): Promise<void> {
      return new Promise<void>((done, failed) => {
        waiting.push({ task, outcome, done, failed });
        void integrateWaiting();
      });
    },
  };
}
