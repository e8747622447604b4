import type { PhaseCheck, TaskState, TestEvidence } from '../core/types';
import { slimEvidence } from '../core/run-state';
import { testActivities } from './activity-proxies';
import { executeChild } from '@temporalio/workflow';
import { cutBytes } from '../core/search-attributes';
import { culpritSearchWorkflow } from './batch/find-culprits';
import { childAttributes } from './search-attributes';
import type { GroupResult, RunContext } from './types';

export interface PhaseValidation {
  tip: string;
  /** The phase's task states, with the tasks the e2e suite rolled back now skipped. */
  tasks: TaskState[];
  check: PhaseCheck;
  validated?: GroupResult['validated'];
  e2ePassed?: GroupResult['e2ePassed'];
}

/**
 * After a phase's steps: the full suite on its last commit (the last step's green run on that commit, recorded),
 * then the e2e suite there (with --e2e-after phase). A red e2e run is handled like a red batch suite: the phase's
 * changes are bisected for those that break it, which are rolled back and recorded as skipped; the rest stay.
 */
export async function validatePhase(
  ctx: RunContext,
  label: string,
  startTip: string,
  tip: string,
  tasks: TaskState[],
  validated: GroupResult['validated'],
): Promise<PhaseValidation> {
  const testing = testActivities();
  const check: PhaseCheck = { phase: label };
  const committed = tasks.filter((t) => t.status === 'committed' && t.commit);
  if (!committed.length || tip === startTip) return { tip, tasks, check };
  // Every step that commits runs the full suite on its tip, and its culprit search leaves the suite green where it
  // can: the phase's last commit is the last step's. A red last suite is not run again (it would say the same).
  if (validated?.sha === tip) check.suiteReusedFrom = validated.label;
  const e2eCommand = (ctx.settings.e2eAfter ?? 'phase') === 'phase' ? ctx.e2eCommand : undefined;
  if (!e2eCommand) return { tip, tasks, check, ...(validated ? { validated } : {}) };
  const e2eCheck = {
    command: e2eCommand,
    baseline: { failing: [], flaky: ctx.baseline.flaky },
    comparedToBase: false as const,
    label: `phase-${label}-e2e`,
  };
  const e2e: TestEvidence = await testing.runBranchTests({
    runId: ctx.runId,
    repoPath: ctx.repoPath,
    command: e2eCheck.command,
    baseline: e2eCheck.baseline,
    label: e2eCheck.label,
    flakyReruns: ctx.settings.flakyReruns,
    comparedToBase: false,
  });
  check.e2e = slimEvidence(e2e);
  if (e2e.passed)
    return {
      tip,
      tasks,
      check,
      e2ePassed: { sha: tip, label: e2eCheck.label, evidence: check.e2e },
      ...(validated ? { validated } : {}),
    };
  // Red: the phase's changes, in the order they reached the branch, bisected for those that break the e2e suite.
  const search = await executeChild(culpritSearchWorkflow, {
    workflowId: `${ctx.rootWorkflowId}/phase-${label}-e2e-culprits`,
    args: [
      {
        ctx,
        batchId: `phase-${label}`,
        startTip,
        changes: committed.map((t) => ({ taskId: t.id, commit: t.commit! })),
        failed: slimEvidence(e2e),
        check: e2eCheck,
      },
    ],
    staticSummary: cutBytes(`Phase ${label}: e2e culprit search over ${committed.length} changes`),
    ...childAttributes(),
  });
  const kept = new Map(search.kept.map((k) => [k.taskId, k.commit]));
  const dropped = new Map(search.dropped.map((d) => [d.taskId, d.evidence]));
  const notApplied = new Map(search.notApplied.map((x) => [x.taskId, x.reason]));
  check.rolledBack = [...dropped.keys()];
  if (search.redStart) check.redStart = true;
  const after = tasks.map((t): TaskState => {
    const evidence = dropped.get(t.id);
    if (evidence) {
      const names = evidence.failingTests.join('; ') || `exit code ${evidence.exitCode}`;
      return {
        ...t,
        status: 'skipped',
        commit: undefined,
        reason: `rolled back: the e2e suite (${e2eCheck.command}) failed after phase ${label} with this change (${names})`,
        failingTests: evidence.failingTests,
      };
    }
    const lost = notApplied.get(t.id);
    if (lost) return { ...t, status: 'skipped', commit: undefined, reason: lost };
    return kept.has(t.id) ? { ...t, commit: kept.get(t.id) } : t;
  });
  // The full suite is not re-run on the kept changes here: the final validation runs it on the final branch.
  return {
    tip: search.tip,
    tasks: after,
    check,
    ...(search.suite.passed
      ? { e2ePassed: { sha: search.tip, label: `${e2eCheck.label}-final`, evidence: slimEvidence(search.suite) } }
      : {}),
  };
}
