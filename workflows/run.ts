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
  setHandler,
  startChild,
} from '@temporalio/workflow';
import type { RunReport, RunSettings, TestEvidence } from '../core/types';
import { mainActivities, testActivities } from './activity-proxies';
import { batchWorkflow } from './batch/batch';
import { phaseWorkflow } from './phase';
import { segmentPieces, segmentTasks, tasksAfter } from '../core/run-state';
import { rolledBack } from '../core/task-table';
import { cutBytes } from '../core/search-attributes';
import { RunProgress } from './run-progress';
import { REVIEW_GRACE_MS, type RunningReview, startRunReview } from './run-review';
import { branchReadySignal } from './run-messages';
import { childAttributes } from './search-attributes';
import type { RunCarry, RunContext } from './types';

export * from './run-messages';

function messageOf(err: unknown): string {
  const cause = err instanceof ActivityFailure && err.cause ? err.cause : err;
  return cause instanceof Error ? cause.message : String(cause);
}

/** Where the run stands between its steps: what every child needs, and the run branch's tip. */
interface At {
  ctx: RunContext;
  tip: string;
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

/** A new run: the repository checked and its run branch made, the plan, and the baseline (worktrees for the first agents made meanwhile). */
async function prepare(run: RunProgress): Promise<At> {
  const { settings, report, state } = run;
  const main = mainActivities();
  const prep = await main.prepareRun(settings);
  report.branch = prep.branch;
  report.baseSha = prep.baseSha;
  report.status = 'planning';
  const planned = await main.planRun({
    runId: settings.runId,
    repoPath: settings.repoPath,
    baseSha: prep.baseSha,
    testCommand: prep.testCommand,
    maxParallel: settings.maxParallel,
    model: settings.model,
    sequentialRisk: settings.sequentialRisk,
    segmentTasks: settings.segmentTasks,
    research: settings.research,
    reviewModel: settings.reviewModel,
    e2eCommand: prep.e2eCommand,
    e2eAfter: settings.e2eAfter,
  });
  if (planned.standIn) report.standIn = planned.standIn;
  const outline = (run.outline = planned.outline);
  report.planPath = planned.planPath;
  // A file skipped at planning is listed under its id, else its file name; under its path when that is a planned task's id (a duplicate).
  const plannedIds = new Set(outline.phases.flatMap((p) => p.batches.flatMap((b) => b.taskIds)));
  for (const s of outline.skipped) {
    const named = s.id ?? s.file.replace(/^.*\//, '').replace(/\.md$/, '');
    const id = plannedIds.has(named) ? s.file : named;
    if (!state.tasks.has(id))
      state.set({
        id,
        title: s.file,
        status: 'skipped',
        phase: null,
        batch: null,
        attempts: 0,
        reason: `${s.file}: ${s.reason}`,
      });
  }
  run.unseen = { n: outline.taskCount, status: 'pending' };
  // While the baseline runs, worktrees for the first agents are made on this host.
  const warmed = main
    .warmWorktrees({
      runId: settings.runId,
      repoPath: settings.repoPath,
      sha: prep.baseSha,
      count: Math.min(2 * settings.maxParallel, outline.taskCount, 32),
    })
    .catch(() => 0);
  const base = await testActivities().baselineTests.executeWithOptions(
    { summary: cutBytes(`baseline: ${prep.testCommand}`) },
    [
      {
        runId: settings.runId,
        repoPath: settings.repoPath,
        testCommand: prep.testCommand,
        installCommand: settings.installCommand,
        setupCommand: settings.setupCommand,
        flakyReruns: settings.flakyReruns,
      },
    ],
  );
  await warmed;
  report.baseline = base.evidence;
  if (!report.baseline.passed && !settings.allowFailingBaseline) {
    const names = report.baseline.failingTests.join('; ') || `exit code ${report.baseline.exitCode}`;
    run.fail(
      `the test suite fails before any change (${prep.testCommand}: ${names}); fix it first, or pass --allow-failing-baseline to treat those tests as already red. Log: ${report.baseline.logPath}`,
    );
  } else {
    report.status = 'running';
  }
  return {
    ctx: {
      runId: settings.runId,
      repoPath: settings.repoPath,
      rootWorkflowId: run.rootWorkflowId,
      testCommand: prep.testCommand,
      ...(prep.e2eCommand ? { e2eCommand: prep.e2eCommand } : {}),
      baseline: base.baseline,
      settings,
    },
    tip: prep.baseSha,
  };
}

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

/** The full suite on the final branch (unless a batch's suite passed on that very commit), and the e2e suite (unless a phase's passed on it). Returns whether both passed. */
async function finalValidation(run: RunProgress, { ctx, tip }: At): Promise<boolean> {
  const { report, settings, validated } = run;
  const tests = testActivities();
  const alreadyValidated = validated && validated.sha === tip && validated.suite.command === ctx.testCommand;
  report.final = alreadyValidated
    ? {
        ...validated.suite,
        alreadyValidatedBy: validated.label,
        verdict: `not run again: ${tip.slice(0, 10)} is the commit the full suite of ${validated.label} passed on`,
      }
    : await tests.runBranchTests({
        runId: settings.runId,
        repoPath: settings.repoPath,
        command: ctx.testCommand,
        label: 'final',
        baseline: ctx.baseline,
        flakyReruns: settings.flakyReruns,
      });
  // The e2e command was resolved at preparation (--e2e-cmd, else detected); --e2e-after never runs none.
  const e2eCommand = ctx.e2eCommand ?? (settings.e2eAfter === 'never' ? undefined : settings.e2eCommand);
  const e2ePassed = run.e2ePassed;
  if (e2eCommand) {
    report.e2e =
      e2ePassed?.sha === tip
        ? {
            ...e2ePassed.evidence,
            alreadyValidatedBy: e2ePassed.label,
            verdict: `not run again: ${tip.slice(0, 10)} is the commit the e2e suite of ${e2ePassed.label} passed on`,
          }
        : await tests.runBranchTests({
            runId: settings.runId,
            repoPath: settings.repoPath,
            command: e2eCommand,
            label: 'e2e',
            baseline: { failing: [], flaky: ctx.baseline.flaky },
            flakyReruns: settings.flakyReruns,
            comparedToBase: false,
          });
  }
  const finalOk = report.final.passed && (!report.e2e || report.e2e.passed);
  if (finalOk) report.status = 'completed';
  else
    run.fail(
      `final validation failed on ${report.branch}: ${[report.final, report.e2e]
        .filter((e): e is TestEvidence => !!e && !e.passed)
        .map((e) => `${e.command} (${e.failingTests.join('; ') || `exit ${e.exitCode}`})`)
        .join(', ')}`,
    );
  return finalOk;
}

const reviewWanted = (run: RunProgress) => (run.settings.review ?? 'gate') !== 'off';
const reviewOf = (run: RunProgress, tip: string) =>
  startRunReview({
    runId: run.settings.runId,
    repoPath: run.settings.repoPath,
    baseSha: run.report.baseSha!,
    model: run.settings.reviewModel ?? run.settings.model,
    tip,
  });

/**
 * The run-level review (advisory) starts as soon as the last batch's changes are all on the run branch (its
 * branchReady signal), beside that batch's suite: off the run's critical path.
 */
function reviewBesideLastSuite(run: RunProgress): { review?: RunningReview } {
  const early: { review?: RunningReview } = {};
  setHandler(branchReadySignal, (b) => {
    const last = run.outline?.phases.flatMap((p) => p.batches).at(-1)?.id;
    if (
      b.batch === last &&
      !early.review &&
      !run.control.retry.length &&
      !run.control.abort &&
      run.report.status === 'running' &&
      reviewWanted(run)
    )
      early.review = reviewOf(run, b.tip);
  });
  return early;
}

/**
 * The final validation with the run review beside it: the one started beside the last batch's suite when the branch
 * is still where it reviewed it, else a new one. A run otherwise done waits for it REVIEW_GRACE_MS at most; what it
 * paid for is on the bill either way.
 */
async function finalValidationAndReview(run: RunProgress, at: At, early?: RunningReview): Promise<void> {
  let reviewing = early;
  if (reviewing && reviewing.tip !== at.tip) {
    reviewing.cancel();
    reviewing = undefined;
  }
  if (!reviewing && reviewWanted(run) && run.state.counts(run.unseen).committed > 0) reviewing = reviewOf(run, at.tip);
  await finalValidation(run, at);
  if (reviewing) run.report.runReview = await reviewing.settle(REVIEW_GRACE_MS);
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
