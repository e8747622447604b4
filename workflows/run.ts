import { ActivityFailure, ApplicationFailure, executeChild, getExternalWorkflowHandle, setCurrentDetails, setHandler, workflowInfo } from '@temporalio/workflow';
import type { BatchState, RunReport, RunSettings, TaskState, TestEvidence, TokenUsage } from '../activities/types';
import { gitActivities, testActivities } from './activity-options';
import { batchWorkflow } from './batch';
import { applyControl, checkBudget, ControlAction, controlSignal, initialControl } from './control';
import { phaseWorkflow } from './phase';
import { progressDetails } from './progress-details';
import { batchUpdateSignal, controlUpdate, statusQuery, taskUpdateSignal } from './run-messages';
import type { GroupResult, RunContext } from './types';
import { addUsage, noUsage } from './usage';

export * from './run-messages';


function totalUsage(tasks: TaskState[]): TokenUsage {
  const total = noUsage();
  for (const t of tasks) if (t.usage) addUsage(total, t.usage);
  return total;
}

function messageOf(err: unknown): string {
  const cause = err instanceof ActivityFailure && err.cause ? err.cause : err;
  return cause instanceof Error ? cause.message : String(cause);
}

/**
 * The run: check the repository and record the baseline, plan, then execute each phase as a child
 * workflow (phase → batch → task), validate the final branch and write report.json.
 * Workflow id: flotilla-<runId>; children: …/phase-N, …/batch-NX, …/TASK-x.
 */
export async function flotillaRun(settings: RunSettings): Promise<RunReport> {
  const git = gitActivities();
  const testing = testActivities();
  const rootWorkflowId = workflowInfo().workflowId;
  const tasks = new Map<string, TaskState>();
  const batches = new Map<string, BatchState>();
  const report: RunReport = {
    runId: settings.runId,
    status: 'starting',
    repoPath: settings.repoPath,
    branch: null,
    baseSha: null,
    model: settings.model,
    planPath: null,
    startedAt: new Date().toISOString(),
    batches: [],
    tasks: [],
    usage: totalUsage([]),
  };
  let control = initialControl(settings.budgetUsd);
  let runningBatch: string | null = null;
  let runningPhase: number | null = null;
  const snapshot = (): RunReport => {
    const ts = [...tasks.values()];
    const paused = report.status === 'running' && control.paused;
    return { ...report, status: paused ? 'paused' : report.status, ...(paused ? { reason: control.pauseReason ?? 'paused by the operator' } : {}), batches: [...batches.values()], tasks: ts, usage: totalUsage(ts) };
  };
  setHandler(statusQuery, snapshot);
  // The Web UI shows this on the run's page; refreshed whenever a task or batch reports.
  const showProgress = () => setCurrentDetails(progressDetails(snapshot()));
  setHandler(taskUpdateSignal, (u) => {
    const prev = tasks.get(u.id);
    if (prev) tasks.set(u.id, { ...prev, ...u });
    const checked = checkBudget(control, totalUsage([...tasks.values()]).costUsd);
    if (checked !== control) {
      control = checked;
      void forwardControl();
    }
    showProgress();
  });
  setHandler(batchUpdateSignal, (u) => {
    const prev = batches.get(u.id);
    if (prev) batches.set(u.id, { ...prev, ...u });
    if (u.state === 'running') runningBatch = u.id;
    showProgress();
  });
  // Operator control: the new state goes to the running phase and batch, which act on it.
  const forwardControl = async () => {
    const targets = [runningPhase !== null ? `${rootWorkflowId}/phase-${runningPhase}` : null, runningBatch ? `${rootWorkflowId}/batch-${runningBatch}` : null];
    for (const id of targets) if (id) await getExternalWorkflowHandle(id).signal(controlSignal, control).catch(() => undefined);
  };
  setHandler(
    controlUpdate,
    async (action: ControlAction) => {
      const { state, message } = applyControl(control, action);
      control = state;
      await forwardControl();
      return message;
    },
    {
      validator: (action: ControlAction) => {
        if (['completed', 'failed', 'aborted'].includes(report.status)) throw new Error(`run ${settings.runId} has already ${report.status === 'completed' ? 'completed' : 'ended'}`);
        if (control.abort) throw new Error(`run ${settings.runId} is being aborted`);
        if (action.action === 'resume' && control.budgetUsd !== null && action.budgetUsd === undefined && control.pauseReason?.startsWith('budget')) {
          throw new Error(`the run paused at its budget of $${control.budgetUsd}; resume with --budget-usd higher than that`);
        }
        if (action.action === 'resume' && action.budgetUsd !== undefined && !(action.budgetUsd > 0)) throw new Error('--budget-usd must be a positive number of dollars');
        if ('taskId' in action) {
          const t = tasks.get(action.taskId);
          if (!t) throw new Error(`${action.taskId} is not a task of run ${settings.runId}`);
          if (action.action === 'skip' && ['committed', 'skipped', 'failed'].includes(t.status)) throw new Error(`${action.taskId} has already ${t.status === 'committed' ? 'been committed' : t.status === 'failed' ? 'failed' : 'been skipped'}`);
          if (action.action === 'retry' && (t.status === 'committed' || !t.batch)) throw new Error(`${action.taskId} cannot be retried (${t.status === 'committed' ? 'it is committed' : 'its task file could not be planned'})`);
        }
      },
    },
  );

  const fail = (reason: string) => {
    report.status = 'failed';
    report.reason = reason;
  };

  try {
    const prep = await git.prepareRun(settings);
    report.branch = prep.branch;
    report.baseSha = prep.baseSha;
    report.status = 'planning';
    const planned = await git.planRun({
      runId: settings.runId,
      repoPath: settings.repoPath,
      baseSha: prep.baseSha,
      testCommand: prep.testCommand,
      maxParallel: settings.maxParallel,
      model: settings.model,
      sequentialRisk: settings.sequentialRisk,
    });
    const { plan } = planned;
    report.planPath = planned.planPath;
    for (const phase of plan.phases) {
      for (const b of phase.batches) {
        batches.set(b.id, { id: b.id, phase: b.phase, label: b.label, mode: b.mode, taskIds: b.taskIds, state: 'pending' });
        for (const id of b.taskIds) tasks.set(id, { id, title: plan.tasks[id].title, status: 'pending', phase: phase.number, batch: b.id, attempts: 0 });
      }
    }
    for (const s of plan.skipped) {
      const id = s.id ?? s.file.replace(/^.*\//, '').replace(/\.md$/, '');
      if (!tasks.has(id)) tasks.set(id, { id, title: s.file, status: 'skipped', phase: null, batch: null, attempts: 0, reason: `${s.file}: ${s.reason}` });
    }

    const base = await testing.baselineTests({ runId: settings.runId, repoPath: settings.repoPath, testCommand: prep.testCommand, installCommand: settings.installCommand, setupCommand: settings.setupCommand });
    report.baseline = base.evidence;
    if (!report.baseline.passed && !settings.allowFailingBaseline) {
      const names = report.baseline.failingTests.join('; ') || `exit code ${report.baseline.exitCode}`;
      fail(`the test suite fails before any change (${prep.testCommand}: ${names}); fix it first, or pass --allow-failing-baseline to treat those tests as already red. Log: ${report.baseline.logPath}`);
    } else {
      report.status = 'running';
      const ctx: RunContext = { runId: settings.runId, repoPath: settings.repoPath, rootWorkflowId, testCommand: prep.testCommand, baseline: base.baseline, settings };
      let tip = prep.baseSha;
      const blocked: Record<string, string> = {};
      for (const s of plan.skipped) if (s.id) blocked[s.id] = s.reason;
      const absorb = (r: GroupResult) => {
        tip = r.tip;
        for (const t of r.tasks) {
          tasks.set(t.id, t);
          if (t.status !== 'committed') blocked[t.id] = t.reason ?? t.status;
          else delete blocked[t.id];
        }
        if (r.fatal) fail(`stopped: ${r.fatal}`);
      };
      for (const phase of plan.phases) {
        if (control.abort || report.status !== 'running') break;
        const phaseTasks = Object.fromEntries(phase.batches.flatMap((b) => b.taskIds).map((id) => [id, plan.tasks[id]]));
        runningPhase = phase.number;
        absorb(
          await executeChild(phaseWorkflow, {
            workflowId: `${rootWorkflowId}/phase-${phase.number}`,
            args: [{ ctx, phase, tasks: phaseTasks, tip, blocked, control }],
            staticSummary: `Phase ${phase.number}: ${phase.name} (${Object.keys(phaseTasks).length} tasks)`,
          }),
        );
        runningPhase = null;
      }
      // Tasks the operator asked to retry run once more, one at a time, on the final branch.
      const retry = control.retry.filter((id) => tasks.get(id)?.status === 'skipped' || tasks.get(id)?.status === 'failed');
      if (retry.length && !control.abort && report.status === 'running') {
        const batch = { id: 'R', phase: plan.phases.length + 1, mode: 'sequential' as const, label: `operator retries: ${retry.join(', ')}`, taskIds: retry };
        batches.set('R', { ...batch, state: 'pending' });
        for (const id of retry) delete blocked[id];
        absorb(await executeChild(batchWorkflow, { workflowId: `${rootWorkflowId}/batch-R`, args: [{ ctx, batch, tasks: retry.map((id) => plan.tasks[id]), tip, blocked, control: { ...control, skip: [] } }] }));
      }
      for (const t of tasks.values()) {
        if (t.status === 'pending' || t.status === 'awaiting-approval') tasks.set(t.id, { ...t, status: 'skipped', reason: control.abort ? 'run aborted by the operator before it started' : `not started: ${report.reason ?? 'the run stopped'}` });
      }
      if (control.abort) {
        if (control.abort.rollback) {
          await git.resetRunBranch({ runId: settings.runId, repoPath: settings.repoPath, sha: prep.baseSha });
          for (const t of tasks.values()) {
            if (t.status === 'committed') tasks.set(t.id, { ...t, status: 'skipped', reason: `rolled back by abort --rollback (was ${t.commit})`, commit: undefined });
          }
        }
        report.status = 'aborted';
        report.reason = `aborted by the operator${control.abort.rollback ? `; ${prep.branch} was reset to its base ${prep.baseSha.slice(0, 10)}` : ''}`;
      }
      if (report.status === 'running') {
        report.final = await testing.runBranchTests({ runId: settings.runId, repoPath: settings.repoPath, command: prep.testCommand, label: 'final', baseline: base.baseline });
        if (settings.e2eCommand) {
          report.e2e = await testing.runBranchTests({ runId: settings.runId, repoPath: settings.repoPath, command: settings.e2eCommand, label: 'e2e', baseline: { failing: [], flaky: base.baseline.flaky } });
        }
        const finalOk = report.final.passed && (!report.e2e || report.e2e.passed);
        if (finalOk) report.status = 'completed';
        else fail(`final validation failed on ${prep.branch}: ${[report.final, report.e2e].filter((e): e is TestEvidence => !!e && !e.passed).map((e) => `${e.command} (${e.failingTests.join('; ') || `exit ${e.exitCode}`})`).join(', ')}`);
      }
    }
  } catch (err) {
    fail(messageOf(err));
  }
  report.finishedAt = new Date().toISOString();
  showProgress();
  const final = snapshot();
  try {
    const finished = await git.finishRun({ runId: settings.runId, repoPath: settings.repoPath, report: final, reviewBranch: settings.reviewBranch });
    if (finished.reviewBranch) final.reviewBranch = finished.reviewBranch;
  } catch (err) {
    if (final.status !== 'failed') throw err;
  }
  if (final.status === 'failed') throw ApplicationFailure.nonRetryable(final.reason ?? 'run failed', 'RunFailed', final);
  return final;
}
