// A new run's first step: the repository checked and its run branch made, the plan, and the baseline.
import type { RunProgress } from './run-progress';
import { mainActivities, testActivities } from './activity-proxies';
import { cutBytes } from '../core/search-attributes';
import type { RunContext } from './types';

/** Where the run stands between its steps: what every child needs, and the run branch's tip. */
export interface At {
  ctx: RunContext;
  tip: string;
}

/** A new run: the repository checked and its run branch made, the plan, and the baseline (worktrees for the first agents made meanwhile). */
export async function prepare(run: RunProgress): Promise<At> {
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
