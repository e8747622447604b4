// A batch's layer validation: its full suite on the run branch once all its changes are on it; red, a culprit search
// (find-culprits.ts, a child workflow) finds the changes that break it together. Each change then ends committed
// (the suite passed on it), integrated (on the branch, the suite not green there, with why) or skipped (rolled back).
import { executeChild } from '@temporalio/workflow';
import type { TaskState, TestEvidence } from '../../core/types';
import type { PlannedTask } from '../../planner/types';
import { slimEvidence } from '../../core/run-state';
import { cutBytes } from '../../core/search-attributes';
import { testActivities } from '../activity-proxies';
import { childAttributes } from '../search-attributes';
import type { RunContext, TaskOutcome } from '../types';
import { culpritSearchWorkflow } from './find-culprits';

/** What a task's outcome tells its final state, whatever that state is. */
export const fromOutcome = (o: TaskOutcome) => ({
  attempts: o.attempts,
  usage: o.usage,
  ...(o.warnings ? { warnings: o.warnings } : {}),
  ...(o.tests ? { tests: o.tests } : {}),
  ...(o.review ? { review: o.review } : {}),
});

/** A change on the run branch: its task, its outcome, and its commit there. */
export interface OnBranch {
  task: PlannedTask;
  outcome: TaskOutcome;
  commit: string;
}

type Finish = (task: PlannedTask, state: Omit<TaskState, 'id' | 'title' | 'phase' | 'batch'>) => Promise<void>;

/** Runs the batch's suite on `ready` (on the branch after `startTip`), settles each change; returns the tip and the suite. */
export async function validateBatch(
  ctx: RunContext,
  batchId: string,
  startTip: string,
  ready: OnBranch[],
  finish: Finish,
): Promise<{ tip?: string; suite: TestEvidence }> {
  const suite = await testActivities().runBranchTests.executeWithOptions(
    { summary: cutBytes(`batch ${batchId} suite: ${ctx.testCommand}`) },
    [
      {
        runId: ctx.runId,
        repoPath: ctx.repoPath,
        command: ctx.testCommand,
        baseline: ctx.baseline,
        label: `batch-${batchId}`,
        flakyReruns: ctx.settings.flakyReruns,
      },
    ],
  );
  if (suite.passed) {
    await settle(ready, suite, finish);
    return { suite };
  }
  // Layer validation failed: a child workflow finds the changes that break the suite together.
  const byId = new Map(ready.map((r) => [r.task.id, r]));
  const search = await executeChild(culpritSearchWorkflow, {
    workflowId: `${ctx.rootWorkflowId}/batch-${batchId}-culprits`,
    args: [
      {
        ctx,
        batchId,
        startTip,
        changes: ready.map((r) => ({ taskId: r.task.id, commit: r.outcome.commit! })),
        failed: slimEvidence(suite),
      },
    ],
    staticSummary: cutBytes(`Batch ${batchId}: culprit search over ${ready.length} changes`),
    ...childAttributes(),
  });
  const redStart = search.redStart
    ? `the full suite was already red at the batch's start, before any of its changes (${search.redStart.failingTests.slice(0, 5).join('; ') || `exit code ${search.redStart.exitCode}`}): no change was blamed`
    : undefined;
  await settle(
    search.kept.map((k) => ({ ...byId.get(k.taskId)!, commit: k.commit })),
    search.suite,
    finish,
    redStart,
  );
  for (const { taskId, reason } of search.notApplied)
    await finish(byId.get(taskId)!.task, { ...fromOutcome(byId.get(taskId)!.outcome), status: 'skipped', reason });
  for (const { taskId, evidence } of search.dropped) {
    const { task, outcome } = byId.get(taskId)!;
    const names = evidence.failingTests.join('; ') || `exit code ${evidence.exitCode}`;
    await finish(task, {
      ...fromOutcome(outcome),
      status: 'skipped',
      reason: `rolled back: the full suite failed on the run branch with this change (${names})`,
      failingTests: evidence.failingTests,
    });
  }
  return { tip: search.tip, suite: search.suite };
}

/**
 * The batch's suite ran on the changes on the branch: green, they are committed; red (the culprit search found
 * no green tip), they stay integrated, with why.
 */
async function settle(onBranch: OnBranch[], evidence: TestEvidence, finish: Finish, why?: string): Promise<void> {
  for (const { task, outcome, commit } of onBranch) {
    if (evidence.passed) await finish(task, { ...fromOutcome(outcome), status: 'committed', commit });
    else
      await finish(task, {
        ...fromOutcome(outcome),
        status: 'integrated',
        commit,
        reason: `on the run branch, but the batch's full suite did not pass on it (${why ?? (evidence.failingTests.slice(0, 5).join('; ') || `exit code ${evidence.exitCode}`)})`,
      });
  }
}
