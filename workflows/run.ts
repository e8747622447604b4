import { ActivityFailure, allHandlersFinished, ApplicationFailure, CancellationScope, condition, ContinueAsNew, continueAsNew, executeChild, getExternalWorkflowHandle, isCancellation, patched, setCurrentDetails, setHandler, startChild, workflowInfo } from '@temporalio/workflow';
import type { RunReport, RunSettings, TestEvidence } from '../core/types';
import { mainActivities, testActivities } from './activity-proxies';
import { addUsage } from '../core/usage';
import { batchWorkflow } from './batch';
import { applyControl, checkBudget, ControlAction, ControlState, initialControl, validateControl } from '../core/control';
import { phaseWorkflow } from './phase';
import { progressDetails } from './progress-details';
import { batchUpdateSignal, branchReadySignal, controlSignal, controlUpdate, statusQuery, taskUpdateSignal, taskUpdatesSignal, TaskUpdate } from './run-messages';
import { RunState, segmentPieces, segmentTasks, tasksAfter } from '../core/run-state';
import { rolledBack } from '../core/task-table';
import { cutBytes, runStateOf } from '../core/search-attributes';
import { childAttributes, upsertFlotillaState } from './search-attributes';
import type { GroupResult, RunCarry, RunContext } from './types';
import { REVIEW_GRACE_MS, RunningReview, startRunReview } from './run-review';

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
  const git = mainActivities();
  const testing = testActivities();
  const rootWorkflowId = workflowInfo().workflowId;
  const state = new RunState(carry?.state);
  const report: RunReport = carry
    ? { ...carry.report, status: 'running', batches: [], tasks: [], counts: state.counts({ n: 0, status: 'pending' }), usage: state.usage() }
    : { runId: settings.runId, status: 'starting', repoPath: settings.repoPath, branch: null, baseSha: null, model: settings.model, planPath: null, startedAt: new Date().toISOString(), batches: [], tasks: [], counts: state.counts({ n: 0, status: 'pending' }), usage: state.usage() };
  let outline = carry?.outline;
  let segmentIndex = carry?.segment ?? 0;
  let control: ControlState = carry?.control ?? initialControl(settings.budgetUsd);
  // Tasks of segments not loaded into memory yet (counted as pending, or skipped once the run stops).
  let unseen: { n: number; status: 'pending' | 'skipped' } = { n: carry ? tasksAfter(carry.outline, carry.segment - 1) : 0, status: 'pending' };
  let runningBatch: string | null = null;
  let runningPhase: string | null = null;
  // The control state the running phase (or the retry batch) was started with. A control change made
  // while a child is being started is otherwise lost: a signal to a child that has not started yet fails
  // (not found) and forwardControl drops it, so e.g. a paused phase would wait forever for its resume or abort.
  let sentControl: ControlState | null = null;

  /** The run-level review's cost counts in the run's usage. */
  const withRunReview = (u: RunReport['usage']) => {
    if (report.runReview) addUsage(u, report.runReview.usage);
    return u;
  };
  const snapshot = (): RunReport => {
    const paused = report.status === 'running' && control.paused;
    const elsewhere = state.savedCount();
    return {
      ...report,
      status: paused ? 'paused' : report.status,
      ...(paused ? { reason: control.pauseReason ?? 'paused by the operator' } : {}),
      batches: outline ? state.batches(outline, segmentIndex) : [],
      tasks: [...state.tasks.values()],
      counts: state.counts(unseen),
      ...(elsewhere ? { tasksElsewhere: elsewhere } : {}),
      ...(outline && outline.segments.length > 1 ? { segment: { number: Math.min(segmentIndex + 1, outline.segments.length), of: outline.segments.length } } : {}),
      usage: withRunReview(state.usage()),
    };
  };
  setHandler(statusQuery, snapshot);
  // The Web UI shows this on the run's page, and filters on FlotillaState; refreshed whenever a task or batch reports.
  const showProgress = () => {
    const now = snapshot();
    setCurrentDetails(progressDetails(now));
    upsertFlotillaState(runStateOf(now));
  };
  const taskUpdates = (updates: TaskUpdate[]) => {
    for (const u of updates) state.update(u);
    if (updates.some((u) => u.usage)) {
      const checked = checkBudget(control, state.usage().costUsd);
      if (checked !== control) {
        control = checked;
        void forwardControl();
      }
    }
    showProgress();
  };
  setHandler(taskUpdateSignal, (u) => taskUpdates([u]));
  setHandler(taskUpdatesSignal, taskUpdates);
  setHandler(batchUpdateSignal, (u) => {
    state.updateBatch(u);
    if (u.state === 'running') {
      runningBatch = u.id;
      // The batch has the control its phase had when it started it; send it any change made since.
      if (sentControl && control !== sentControl && patched('forward-control-to-started-batch')) {
        void getExternalWorkflowHandle(`${rootWorkflowId}/batch-${u.id}`).signal(controlSignal, control).catch(() => undefined);
      }
    }
    showProgress();
  });
  // Operator control: the new state goes to the running phase and batch, which act on it.
  const forwardControl = async () => {
    const targets = [runningPhase ? `${rootWorkflowId}/phase-${runningPhase}` : null, runningBatch ? `${rootWorkflowId}/batch-${runningBatch}` : null];
    for (const id of targets) if (id) await getExternalWorkflowHandle(id).signal(controlSignal, control).catch(() => undefined);
  };
  /** A task's status and whether it was planned, also for tasks no longer (or not yet) held in memory. */
  const statusOf = (taskId: string): { status: string; planned: boolean } | null => {
    const held = state.tasks.get(taskId);
    if (held) return { status: held.status, planned: !!held.batch };
    const batch = outline?.phases.flatMap((p) => p.batches).find((b) => b.taskIds.includes(taskId));
    if (!batch) return null;
    const at = outline!.segments.findIndex((s) => s.batchIds.includes(batch.id));
    return { status: at < segmentIndex ? 'committed' : 'pending', planned: true };
  };
  setHandler(
    controlUpdate,
    async (action: ControlAction) => {
      const { state: next, message } = applyControl(control, action);
      control = next;
      showProgress();
      await forwardControl();
      return message;
    },
    {
      validator: (action: ControlAction) => validateControl(action, { runId: settings.runId, runStatus: report.status, control, statusOf }),
    },
  );

  const fail = (reason: string) => {
    report.status = 'failed';
    report.reason = reason;
  };
  let rollBack = false;
  // The last commit a batch's full suite passed on: the final validation does not run that suite again on it.
  let validated: GroupResult['validated'];
  let cancelled: unknown;
  // The run-level review, started beside the last batch's suite (when its branch is the final one).
  let earlyReview: RunningReview | undefined;
  const notStartedReason = () => (control.abort ? 'run aborted by the operator before it started' : `not started: ${report.reason ?? 'the run stopped'}`);

  try {
    let ctx: RunContext;
    let tip: string;
    if (carry) {
      ({ ctx, tip } = carry);
    } else {
      const prep = await git.prepareRun(settings);
      report.branch = prep.branch;
      report.baseSha = prep.baseSha;
      report.status = 'planning';
      const planned = await git.planRun({ runId: settings.runId, repoPath: settings.repoPath, baseSha: prep.baseSha, testCommand: prep.testCommand, maxParallel: settings.maxParallel, model: settings.model, sequentialRisk: settings.sequentialRisk, segmentTasks: settings.segmentTasks });
      outline = planned.outline;
      report.planPath = planned.planPath;
      // A file skipped at planning is listed under its id, else its file name; under its path when that is a planned task's id (a duplicate).
      const plannedIds = new Set(outline.phases.flatMap((p) => p.batches.flatMap((b) => b.taskIds)));
      for (const s of outline.skipped) {
        const named = s.id ?? s.file.replace(/^.*\//, '').replace(/\.md$/, '');
        const id = plannedIds.has(named) ? s.file : named;
        if (!state.tasks.has(id)) state.set({ id, title: s.file, status: 'skipped', phase: null, batch: null, attempts: 0, reason: `${s.file}: ${s.reason}` });
      }
      unseen = { n: outline.taskCount, status: 'pending' };
      // While the baseline runs, worktrees for the first agents are made on this host (runs recorded before replay without).
      const warmed = patched('warm-worktrees') ? git.warmWorktrees({ runId: settings.runId, repoPath: settings.repoPath, sha: prep.baseSha, count: Math.min(2 * settings.maxParallel, outline.taskCount, 32) }).catch(() => 0) : Promise.resolve(0);
      const base = await testing.baselineTests.executeWithOptions({ summary: cutBytes(`baseline: ${prep.testCommand}`) }, [{ runId: settings.runId, repoPath: settings.repoPath, testCommand: prep.testCommand, installCommand: settings.installCommand, setupCommand: settings.setupCommand, flakyReruns: settings.flakyReruns }]);
      await warmed;
      report.baseline = base.evidence;
      if (!report.baseline.passed && !settings.allowFailingBaseline) {
        const names = report.baseline.failingTests.join('; ') || `exit code ${report.baseline.exitCode}`;
        fail(`the test suite fails before any change (${prep.testCommand}: ${names}); fix it first, or pass --allow-failing-baseline to treat those tests as already red. Log: ${report.baseline.logPath}`);
      } else {
        report.status = 'running';
      }
      ctx = { runId: settings.runId, repoPath: settings.repoPath, rootWorkflowId, testCommand: prep.testCommand, baseline: base.baseline, settings };
      tip = prep.baseSha;
    }
    const plan = outline!;
    // The run-level review starts as soon as the last batch's changes are all on the run branch, beside its suite.
    const reviewWanted = () => (settings.review ?? 'gate') !== 'off' && patched('run-review');
    const reviewOf = (at: string) => {
      const model = settings.reviewModel ?? settings.model;
      return startRunReview({ runId: settings.runId, repoPath: settings.repoPath, baseSha: report.baseSha!, model, tip: at });
    };
    const lastBatch = plan.phases.flatMap((p) => p.batches).at(-1)?.id;
    setHandler(branchReadySignal, (b) => {
      if (b.batch === lastBatch && !earlyReview && !control.retry.length && !control.abort && report.status === 'running' && reviewWanted()) earlyReview = reviewOf(b.tip);
    });

    const absorb = (r: GroupResult) => {
      tip = r.tip;
      if (r.validated) validated = r.validated;
      for (const t of r.tasks) state.set(t);
      if (r.fatal) fail(`stopped: ${r.fatal}`);
    };
    for (; segmentIndex < plan.segments.length && report.status === 'running' && !control.abort; segmentIndex++) {
      const members = segmentTasks(plan, plan.segments[segmentIndex]);
      const titles = await git.loadTaskTitles({ runId: settings.runId, repoPath: settings.repoPath, ids: members.filter((m) => !state.tasks.has(m.id)).map((m) => m.id) });
      for (const m of members) if (!state.tasks.has(m.id)) state.set({ id: m.id, title: titles[m.id], status: 'pending', phase: m.phase, batch: m.batch, attempts: 0 });
      unseen = { n: tasksAfter(plan, segmentIndex), status: 'pending' };
      for (const { phase, suffix } of segmentPieces(plan, segmentIndex)) {
        if (control.abort || report.status !== 'running') break;
        runningPhase = suffix;
        sentControl = control;
        const child = await startChild(phaseWorkflow, {
          workflowId: `${rootWorkflowId}/phase-${suffix}`,
          args: [{ ctx, phase, tip, blocked: state.blocked(), control }],
          staticSummary: cutBytes(`Phase ${suffix}: ${phase.name} (${phase.batches.reduce((n, b) => n + b.taskIds.length, 0)} tasks)`),
          ...childAttributes(),
        });
        // Started now: a change made while it was starting reaches it only if sent again.
        if (control !== sentControl && patched('forward-control-after-phase-start')) await forwardControl();
        absorb(await child.result());
        runningPhase = null;
      }
      if (segmentIndex + 1 < plan.segments.length && report.status === 'running' && !control.abort) {
        // Keep the history bounded: save this segment's tasks, drop the committed ones, and start afresh.
        await git.saveTaskStates({ runId: settings.runId, repoPath: settings.repoPath, segment: plan.segments[segmentIndex].number, tasks: [...state.tasks.values()], batches: state.batchProgress() });
        await condition(allHandlersFinished);
        if (!control.abort) {
          const { tasks: _t, batches: _b, counts: _c, usage: _u, ...kept } = report;
          await continueAsNew<typeof flotillaRun>(settings, { segment: segmentIndex + 1, report: kept, outline: plan, ctx, tip, control, state: state.carryAfterSaving() });
        }
      }
    }
    unseen = { n: unseen.n, status: 'skipped' };
    // Tasks the operator asked to retry run once more, one at a time, on the final branch.
    const retry = control.retry.filter((id) => ['skipped', 'failed'].includes(state.tasks.get(id)?.status ?? ''));
    if (retry.length && !control.abort && report.status === 'running') {
      const batch = { id: 'R', phase: plan.phases.length + 1, mode: 'sequential' as const, label: `operator retries: ${retry.join(', ')}`, taskIds: retry };
      state.addRetryBatch({ ...batch, state: 'pending' });
      const blocked = state.blocked();
      for (const id of retry) delete blocked[id];
      const priorUsage = Object.fromEntries(retry.flatMap((id) => (state.tasks.get(id)?.usage ? [[id, state.tasks.get(id)!.usage!]] : [])));
      sentControl = control;
      absorb(await executeChild(batchWorkflow, { workflowId: `${rootWorkflowId}/batch-R`, args: [{ ctx, batch, tip, blocked, control: { ...control, skip: [] }, priorUsage }], ...childAttributes() }));
    }
    for (const t of state.tasks.values()) {
      if (t.status === 'pending' || t.status === 'awaiting-approval') state.set({ ...t, status: 'skipped', reason: notStartedReason() });
    }
    if (control.abort) {
      if (control.abort.rollback && report.baseSha) {
        await git.resetRunBranch({ runId: settings.runId, repoPath: settings.repoPath, sha: report.baseSha });
        rollBack = true;
        for (const t of state.tasks.values()) state.set(rolledBack(t));
        state.rollBackSaved();
      }
      report.status = 'aborted';
      report.reason = `aborted by the operator${rollBack ? `; ${report.branch} was reset to its base ${report.baseSha!.slice(0, 10)}` : ''}`;
    }
    if (report.status === 'running') {
      // The review runs beside the final validation: the one started beside the last batch's suite when the branch
      // is still where it reviewed it, else a new one.
      let reviewing = earlyReview;
      if (reviewing && reviewing.tip !== tip) {
        reviewing.cancel();
        reviewing = undefined;
      }
      if (!reviewing && reviewWanted() && state.counts(unseen).committed > 0) reviewing = reviewOf(tip);
      const alreadyValidated = validated && validated.sha === tip && validated.suite.command === ctx.testCommand && patched('skip-validated-final');
      report.final = alreadyValidated
        ? { ...validated!.suite, alreadyValidatedBy: validated!.label, verdict: `not run again: ${tip.slice(0, 10)} is the commit the full suite of ${validated!.label} passed on` }
        : await testing.runBranchTests({ runId: settings.runId, repoPath: settings.repoPath, command: ctx.testCommand, label: 'final', baseline: ctx.baseline, flakyReruns: settings.flakyReruns });
      if (settings.e2eCommand) {
        report.e2e = await testing.runBranchTests({ runId: settings.runId, repoPath: settings.repoPath, command: settings.e2eCommand, label: 'e2e', baseline: { failing: [], flaky: ctx.baseline.flaky }, flakyReruns: settings.flakyReruns, comparedToBase: false });
      }
      const finalOk = report.final.passed && (!report.e2e || report.e2e.passed);
      if (finalOk) report.status = 'completed';
      else fail(`final validation failed on ${report.branch}: ${[report.final, report.e2e].filter((e): e is TestEvidence => !!e && !e.passed).map((e) => `${e.command} (${e.failingTests.join('; ') || `exit ${e.exitCode}`})`).join(', ')}`);
      // The run-level review (advisory): one pass per category over the run's combined diff, notes for review.md.
      // A run that is otherwise done waits for it REVIEW_GRACE_MS at most; what it paid for is on the bill either way.
      if (reviewing) report.runReview = await reviewing.settle(REVIEW_GRACE_MS);
    } else earlyReview?.cancel();
  } catch (err) {
    if (err instanceof ContinueAsNew) throw err;
    if (isCancellation(err) && patched('cancelled-run-cleanup')) {
      // Cancelled from Temporal itself (the Web UI, `temporal workflow cancel`): its children were cancelled
      // (each task discards its worktree); the run still writes report.json and removes its worktrees.
      cancelled = err;
      report.status = 'cancelled';
      report.reason = 'cancelled from Temporal (the Web UI or `temporal workflow cancel`); running tasks were cancelled and their worktrees discarded';
      for (const t of state.tasks.values()) {
        if (['pending', 'awaiting-approval', 'running'].includes(t.status)) state.set({ ...t, status: 'skipped', reason: t.status === 'running' ? 'cancelled while running: the run was cancelled' : 'not started: the run was cancelled' });
      }
      unseen = { n: unseen.n, status: 'skipped' };
    } else fail(messageOf(err));
  }
  report.finishedAt = new Date().toISOString();
  showProgress();
  const final = snapshot();
  const finishing = () => git.finishRun({ runId: settings.runId, repoPath: settings.repoPath, report: final, reviewBranch: settings.reviewBranch, notStarted: cancelled ? 'not started: the run was cancelled' : notStartedReason(), ...(rollBack ? { rolledBack: true } : {}) });
  try {
    // After a cancellation the run's scope is cancelled: its last records are written in a scope that is not.
    const finished = cancelled ? await CancellationScope.nonCancellable(finishing) : await finishing();
    if (finished.reviewBranch) final.reviewBranch = finished.reviewBranch;
  } catch (err) {
    if (final.status !== 'failed' && !cancelled) throw err;
  }
  if (cancelled) throw cancelled;
  if (final.status === 'failed') throw ApplicationFailure.nonRetryable(final.reason ?? 'run failed', 'RunFailed', final);
  return final;
}
