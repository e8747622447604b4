import {
  ActivityFailure,
  allHandlersFinished,
  ApplicationFailure,
  CancellationScope,
  condition,
  ContinueAsNew,
  continueAsNew,
  executeChild,
  isCancellation,
  startChild,
} from '@temporalio/workflow';
import type { RunReport, RunSettings } from '../core/types';
import { mainActivities } from './activity-proxies';
import { batchWorkflow } from './batch/batch';
import { phaseWorkflow } from './phase';
import { segmentPieces, segmentTasks, tasksAfter } from '../core/run-state';
import { rolledBack } from '../core/task-table';
import { cutBytes } from '../core/search-attributes';
import { RunProgress } from './run-progress';
import { type At, prepare } from './run-prepare';
import { finalValidationAndReview, reviewBesideLastSuite } from './run-final';
import { childAttributes } from './search-attributes';
import type { RunCarry } from './types';

export * from './run-messages';

function messageOf(err: unknown): string {
  const cause = err instanceof ActivityFailure && err.cause ? err.cause : err;
  return cause instanceof Error ? cause.message : String(cause);
}

/**
 * The run: check the repository and record the baseline, plan, then execute each phase as a child
 * workflow (phase → batch → task), validate the final branch and write report.json.
 * Workflow id: flotilla-<runId>; children: …/phase-N, …/batch-NX, …/TASK-x.
 *
 * The plan is cut into segments (see planner/segments.ts): after each segment but the last, the run
 * saves its tasks' states to disk and continues-as-new with `carry`, so its history stays bounded at any
 * backlog size. Per-task details never travel through history: batches load them from plan.json.
 */
export async function flotillaRun(settings: RunSettings, carry?: RunCarry): Promise<RunReport> {
  const run = new RunProgress(settings, carry);
  run.listen();
  const early = reviewBesideLastSuite(run);
  let rollBack = false;
  let cancelled: unknown;
  try {
    const at = carry ? { ctx: carry.ctx, tip: carry.tip } : await prepare(run);
    at.tip = await runSegments(run, at);
    run.unseen = { n: run.unseen.n, status: 'skipped' };
    at.tip = await retryBatch(run, at);
    for (const t of run.state.tasks.values()) {
      if (t.status === 'pending' || t.status === 'awaiting-approval')
        run.state.set({ ...t, status: 'skipped', reason: notStartedReason(run) });
    }
    if (run.control.abort) rollBack = await abort(run);
    if (run.report.status === 'running') await finalValidationAndReview(run, at, early.review);
    else early.review?.cancel();
  } catch (err) {
    if (err instanceof ContinueAsNew) throw err;
    if (!isCancellation(err)) run.fail(messageOf(err));
    else {
      cancelled = err;
      cancel(run);
    }
  }
  return finish(run, { rollBack, cancelled });
}

const notStartedReason = (run: RunProgress) =>
  run.control.abort
    ? 'run aborted by the operator before it started'
    : `not started: ${run.report.reason ?? 'the run stopped'}`;

/**
 * The plan's segments, from the one the run is at: each phase (or the part of it in the segment) a child workflow.
 * After each segment but the last, the run saves its tasks and continues as new. Returns the run branch's tip.
 */
async function runSegments(run: RunProgress, { ctx, tip }: At): Promise<string> {
  const { settings, state } = run;
  const plan = run.outline!;
  for (; run.segmentIndex < plan.segments.length && run.goesOn(); run.segmentIndex++) {
    const members = segmentTasks(plan, plan.segments[run.segmentIndex]);
    const titles = await mainActivities().loadTaskTitles({
      runId: settings.runId,
      repoPath: settings.repoPath,
      ids: members.filter((m) => !state.tasks.has(m.id)).map((m) => m.id),
    });
    for (const m of members)
      if (!state.tasks.has(m.id))
        state.set({ id: m.id, title: titles[m.id], status: 'pending', phase: m.phase, batch: m.batch, attempts: 0 });
    run.unseen = { n: tasksAfter(plan, run.segmentIndex), status: 'pending' };
    for (const { phase, suffix } of segmentPieces(plan, run.segmentIndex)) {
      if (!run.goesOn()) break;
      run.runningPhase = suffix;
      run.sentControl = run.control;
      const child = await startChild(phaseWorkflow, {
        workflowId: `${run.rootWorkflowId}/phase-${suffix}`,
        args: [{ ctx, phase, tip, blocked: state.blocked(), control: run.control }],
        staticSummary: cutBytes(
          `Phase ${suffix}: ${phase.name} (${phase.batches.reduce((n, b) => n + b.taskIds.length, 0)} tasks)`,
        ),
        ...childAttributes(),
      });
      // Started now: a change made while it was starting reaches it only if sent again.
      if (run.control !== run.sentControl) await run.forwardControl();
      tip = run.absorb(await child.result());
      run.runningPhase = null;
    }
    if (run.segmentIndex + 1 < plan.segments.length && run.goesOn()) {
      // Keep the history bounded: save this segment's tasks, drop the committed ones, and start afresh.
      await mainActivities().saveTaskStates({
        runId: settings.runId,
        repoPath: settings.repoPath,
        segment: plan.segments[run.segmentIndex].number,
        tasks: [...state.tasks.values()],
        batches: state.batchProgress(),
      });
      await condition(allHandlersFinished);
      if (!run.control.abort) {
        const { tasks: _t, batches: _b, counts: _c, usage: _u, ...kept } = run.report;
        await continueAsNew<typeof flotillaRun>(settings, {
          segment: run.segmentIndex + 1,
          report: kept,
          outline: plan,
          ctx,
          tip,
          control: run.control,
          state: state.carryAfterSaving(),
        });
      }
    }
  }
  return tip;
}

/** The tasks the operator asked to retry run once more, one at a time, on the final branch (batch R). Returns the tip. */
async function retryBatch(run: RunProgress, { ctx, tip }: At): Promise<string> {
  const { state, control } = run;
  const retry = control.retry.filter((id) => ['skipped', 'failed'].includes(state.tasks.get(id)?.status ?? ''));
  if (!retry.length || !run.goesOn()) return tip;
  const batch = {
    id: 'R',
    phase: run.outline!.phases.length + 1,
    mode: 'sequential' as const,
    label: `operator retries: ${retry.join(', ')}`,
    taskIds: retry,
  };
  state.addRetryBatch({ ...batch, state: 'pending' });
  const blocked = state.blocked();
  for (const id of retry) delete blocked[id];
  const priorUsage = Object.fromEntries(
    retry.flatMap((id) => (state.tasks.get(id)?.usage ? [[id, state.tasks.get(id)!.usage!]] : [])),
  );
  run.sentControl = control;
  return run.absorb(
    await executeChild(batchWorkflow, {
      workflowId: `${run.rootWorkflowId}/batch-R`,
      args: [{ ctx, batch, tip, blocked, control: { ...control, skip: [] }, priorUsage }],
      ...childAttributes(),
    }),
  );
}

/** Aborted by the operator: with rollback, the run branch goes back to its base. Returns whether it did. */
async function abort(run: RunProgress): Promise<boolean> {
  const { report, settings, state } = run;
  let rollBack = false;
  if (run.control.abort?.rollback && report.baseSha) {
    await mainActivities().resetRunBranch({ runId: settings.runId, repoPath: settings.repoPath, sha: report.baseSha });
    rollBack = true;
    for (const t of state.tasks.values()) state.set(rolledBack(t));
    state.rollBackSaved();
  }
  report.status = 'aborted';
  report.reason = `aborted by the operator${rollBack ? `; ${report.branch} was reset to its base ${report.baseSha!.slice(0, 10)}` : ''}`;
  return rollBack;
}

/**
 * Cancelled from Temporal itself (the Web UI, `temporal workflow cancel`): its children were cancelled (each task
 * discards its worktree); the run still writes report.json and removes its worktrees (finish).
 */
function cancel(run: RunProgress): void {
  run.report.status = 'cancelled';
  run.report.reason =
    'cancelled from Temporal (the Web UI or `temporal workflow cancel`); running tasks were cancelled and their worktrees discarded';
  for (const t of run.state.tasks.values()) {
    if (['pending', 'awaiting-approval', 'running'].includes(t.status))
      run.state.set({
        ...t,
        status: 'skipped',
        reason:
          t.status === 'running'
            ? 'cancelled while running: the run was cancelled'
            : 'not started: the run was cancelled',
      });
  }
  run.unseen = { n: run.unseen.n, status: 'skipped' };
}

/** report.json, plan and review records, the review branch; then the run's result (a failed run fails the workflow). */
async function finish(
  run: RunProgress,
  { rollBack, cancelled }: { rollBack: boolean; cancelled: unknown },
): Promise<RunReport> {
  const { report, settings } = run;
  report.finishedAt = new Date().toISOString();
  run.showProgress();
  const final = run.snapshot();
  const finishing = () =>
    mainActivities().finishRun({
      runId: settings.runId,
      repoPath: settings.repoPath,
      report: final,
      reviewBranch: settings.reviewBranch,
      notStarted: cancelled ? 'not started: the run was cancelled' : notStartedReason(run),
      ...(rollBack ? { rolledBack: true } : {}),
    });
  try {
    // After a cancellation the run's scope is cancelled: its last records are written in a scope that is not.
    const finished = cancelled ? await CancellationScope.nonCancellable(finishing) : await finishing();
    if (finished.reviewBranch) final.reviewBranch = finished.reviewBranch;
  } catch (err) {
    if (final.status !== 'failed' && !cancelled) throw err;
  }
  if (cancelled) throw cancelled;
  if (final.status === 'failed')
    throw ApplicationFailure.nonRetryable(final.reason ?? 'run failed', 'RunFailed', final);
  return final;
}
