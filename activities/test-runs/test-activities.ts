import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type { Baseline, TaskRef, TestEvidence } from '../../core/types';
import { runBranch } from '../git/git';
import { branchWorktree } from '../git/worktrees';
import { integrationWorktree, runDir, taskWorktree, taskDir } from '../run-paths';
import { inRunSandbox } from '../sandbox';
import { selectTaskTests } from '../test-selection/select-task-tests';
import { detectInstallCommand, prepareEnvironment } from './dependencies';
import { gatedTestRun, runTwiceOnFailure } from './gated-run';
import { baselineFrom } from './judge-tests';

/** The tests queue's activities: every suite Flotilla runs (its worker's slots follow the CPU count). */
export function makeTestActivities(worktreeRoot: string) {
  const worktreeOf = (t: TaskRef) => taskWorktree(worktreeRoot, t.runId, t.taskId);
  /** The run's own worktree, on the run branch. */
  const runWorktree = async (repoPath: string, runId: string) => {
    const wt = integrationWorktree(worktreeRoot, runId);
    await branchWorktree(repoPath, wt, runBranch(runId));
    return wt;
  };
  /** Every command an activity here runs goes through runShell in the run's sandbox; the worktrees of others stay hidden. */
  const sandboxed = <T>(a: { repoPath: string; runId: string }, fn: () => Promise<T>) => inRunSandbox(a, [worktreeRoot], fn);
  return {
    /**
     * Runs the full suite on the base commit (in the run's own worktree), twice if it fails, and records
     * the baseline: the tests that fail consistently, and the flaky ones that flip between runs.
     */
    baselineTests: (a: { runId: string; repoPath: string; testCommand: string; installCommand?: string; setupCommand?: string }): Promise<{ evidence: TestEvidence; baseline: Baseline }> => sandboxed(a, async () => {
      const wt = await runWorktree(a.repoPath, a.runId);
      const installCommand = a.installCommand ?? detectInstallCommand(a.repoPath);
      await prepareEnvironment({ cwd: wt, logDir: path.join(runDir(a.repoPath, a.runId), 'logs'), installCommand, setupCommand: a.setupCommand });
      const [first, rerun] = await runTwiceOnFailure(a.testCommand, wt, path.join(runDir(a.repoPath, a.runId), 'logs', 'baseline.log'));
      return baselineFrom(first, rerun);
    }),

    /**
     * Runs the task's tests in its worktree: `command` as given (the task's own tests), or, with
     * `relatedTo` (the files the agent edited), the suite `command` narrowed to the tests related to
     * those files, else the full suite (see test-selection/). The evidence names the command that ran.
     */
    runTaskTests: (a: TaskRef & { command: string; relatedTo?: string[]; attempt: number; baseline: Baseline }): Promise<TestEvidence> => sandboxed(a, async () => {
      const cwd = worktreeOf(a);
      const log = path.join(taskDir(a.repoPath, a.runId, a.taskId), `tests-${a.attempt}.log`);
      const choice = a.relatedTo ? await selectTaskTests(cwd, a.command, a.relatedTo) : undefined;
      const evidence = await gatedTestRun(choice?.command ?? a.command, cwd, log, a.baseline);
      if (!choice) return evidence;
      await fs.appendFile(log, `# tests chosen: ${choice.selection}\n`);
      return { ...evidence, selection: choice.selection };
    }),

    /** Runs a suite on the run branch tip, e.g. the full suite after a batch or the e2e command at the end. */
    runBranchTests: (a: { runId: string; repoPath: string; command: string; label: string; baseline: Baseline }): Promise<TestEvidence> => sandboxed(a, async () => {
      const wt = await runWorktree(a.repoPath, a.runId);
      return gatedTestRun(a.command, wt, path.join(runDir(a.repoPath, a.runId), 'logs', `${a.label}.log`), a.baseline);
    }),
  };
}
