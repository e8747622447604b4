import { ActivityFailure, ApplicationFailure, executeChild, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { BatchState, RunReport, RunSettings, TaskState, TestEvidence, TokenUsage } from '../activities/types';
import { gitOptions, longOptions } from './activity-options';
import { phaseWorkflow } from './phase';
import { batchUpdateSignal, statusQuery, taskUpdateSignal } from './run-messages';
import type { RunContext } from './types';

export * from './run-messages';

const git = proxyActivities<Activities>(gitOptions);
const long = proxyActivities<Activities>(longOptions);

function totalUsage(tasks: TaskState[]): TokenUsage {
  const total: TokenUsage = { inputTokens: 0, outputTokens: 0, cacheWriteTokens: 0, cacheReadTokens: 0 };
  for (const t of tasks) {
    if (!t.usage) continue;
    total.inputTokens += t.usage.inputTokens;
    total.outputTokens += t.usage.outputTokens;
    total.cacheWriteTokens += t.usage.cacheWriteTokens;
    total.cacheReadTokens += t.usage.cacheReadTokens;
  }
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
  const snapshot = (): RunReport => {
    const ts = [...tasks.values()];
    return { ...report, batches: [...batches.values()], tasks: ts, usage: totalUsage(ts) };
  };
  setHandler(statusQuery, snapshot);
  setHandler(taskUpdateSignal, (u) => {
    const prev = tasks.get(u.id);
    if (prev) tasks.set(u.id, { ...prev, ...u });
  });
  setHandler(batchUpdateSignal, (u) => {
    const prev = batches.get(u.id);
    if (prev) batches.set(u.id, { ...prev, ...u });
  });

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

    report.baseline = await long.baselineTests({ runId: settings.runId, repoPath: settings.repoPath, testCommand: prep.testCommand });
    if (!report.baseline.passed) {
      const names = report.baseline.failingTests.join('; ') || `exit code ${report.baseline.exitCode}`;
      fail(`the test suite fails before any change (${prep.testCommand}: ${names}); fix it first. Log: ${report.baseline.logPath}`);
    } else {
      report.status = 'running';
      const ctx: RunContext = { runId: settings.runId, repoPath: settings.repoPath, rootWorkflowId, testCommand: prep.testCommand, settings };
      let tip = prep.baseSha;
      const blocked: Record<string, string> = {};
      for (const s of plan.skipped) if (s.id) blocked[s.id] = s.reason;
      for (const phase of plan.phases) {
        const phaseTasks = Object.fromEntries(phase.batches.flatMap((b) => b.taskIds).map((id) => [id, plan.tasks[id]]));
        const r = await executeChild(phaseWorkflow, {
          workflowId: `${rootWorkflowId}/phase-${phase.number}`,
          args: [{ ctx, phase, tasks: phaseTasks, tip, blocked }],
          staticSummary: `Phase ${phase.number}: ${phase.name} (${Object.keys(phaseTasks).length} tasks)`,
        });
        tip = r.tip;
        for (const t of r.tasks) {
          tasks.set(t.id, t);
          if (t.status !== 'committed') blocked[t.id] = t.reason ?? t.status;
        }
        if (r.fatal) {
          fail(`stopped: ${r.fatal}`);
          break;
        }
      }
      if (report.status === 'running') {
        report.final = await long.runBranchTests({ runId: settings.runId, repoPath: settings.repoPath, command: prep.testCommand, label: 'final' });
        if (settings.e2eCommand) {
          report.e2e = await long.runBranchTests({ runId: settings.runId, repoPath: settings.repoPath, command: settings.e2eCommand, label: 'e2e' });
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
  const final = snapshot();
  try {
    await git.finishRun({ runId: settings.runId, repoPath: settings.repoPath, report: final });
  } catch (err) {
    if (final.status !== 'failed') throw err;
  }
  if (final.status === 'failed') throw ApplicationFailure.nonRetryable(final.reason ?? 'run failed', 'RunFailed', final);
  return final;
}
