import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type { Baseline, TaskRef, TestEvidence } from '../../core/types';
import { backupRef, gitAt, runBranch } from '../git/git';
import { branchWorktree } from '../git/worktrees';
import { baselineResultsFile, integrationWorktree, runDir, taskDir, taskWorktree } from '../run-paths';
import { inRunSandbox } from '../sandbox';
import { selectTaskTests } from '../test-selection/select-task-tests';
import { detectInstallCommand, prepareEnvironment } from './dependencies';
import { baselineTestRun, gatedTestRun } from './gated-run';
import { readSavedBaseline } from './run-with-report';

/** Files changed between two commits, seen from `cwd`; none when either is unknown. */
async function changedBetween(cwd: string, from: string, to: string): Promise<string[]> {
  try {
    return (await (await gitAt(cwd)).raw(['diff', '--name-only', '--no-renames', from, to]))
      .split('\n')
      .filter(Boolean);
  } catch {
    return [];
  }
}

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
  const sandboxed = <T>(a: { repoPath: string; runId: string }, fn: () => Promise<T>) =>
    inRunSandbox(a, worktreeRoot, fn);
  return {
    /**
     * Runs the full suite on the base commit (in the run's own worktree), re-runs its failures, and records
     * the baseline: the tests red on every run, and the flaky ones that passed on a re-run.
     */
    baselineTests: (a: {
      runId: string;
      repoPath: string;
      testCommand: string;
      installCommand?: string;
      setupCommand?: string;
      flakyReruns?: number;
    }): Promise<{ evidence: TestEvidence; baseline: Baseline }> =>
      sandboxed(a, async () => {
        const wt = await runWorktree(a.repoPath, a.runId);
        const installCommand = a.installCommand ?? detectInstallCommand(a.repoPath);
        await prepareEnvironment({
          cwd: wt,
          logDir: path.join(runDir(a.repoPath, a.runId), 'logs'),
          installCommand,
          setupCommand: a.setupCommand,
        });
        return baselineTestRun(
          a.testCommand,
          wt,
          path.join(runDir(a.repoPath, a.runId), 'logs', 'baseline.log'),
          baselineResultsFile(a.repoPath, a.runId),
          a.flakyReruns,
        );
      }),

    /**
     * Runs the task's tests in its worktree: `command` as given (the task's own tests), or, with
     * `relatedTo` (the files the agent edited), the suite `command` narrowed to the tests related to
     * those files, else the full suite (see test-selection/). The evidence names the command that ran.
     */
    runTaskTests: (
      a: TaskRef & {
        command: string;
        relatedTo?: string[];
        edited?: string[];
        attempt: number;
        baseline: Baseline;
        flakyReruns?: number;
      },
    ): Promise<TestEvidence> =>
      sandboxed(a, async () => {
        const cwd = worktreeOf(a);
        const log = path.join(taskDir(a.repoPath, a.runId, a.taskId), `tests-${a.attempt}.log`);
        const choice = a.relatedTo ? await selectTaskTests(cwd, a.command, a.relatedTo) : undefined;
        // The task started from the run branch as earlier tasks left it: what they changed, the baseline cannot vouch for.
        const changedSinceBase = await changedBetween(cwd, backupRef(a.runId), 'HEAD');
        const evidence = await gatedTestRun(choice?.command ?? a.command, cwd, log, {
          changedSinceBase,
          baseline: a.baseline,
          saved: readSavedBaseline(baselineResultsFile(a.repoPath, a.runId)),
          edited: a.edited ?? a.relatedTo ?? [],
          // The task's own `tests:` or the related tests are a narrowed run: files they leave out are not missing.
          fullSuite: !!choice && choice.command === a.command,
          flakyReruns: a.flakyReruns,
        });
        if (!choice) return evidence;
        await fs.appendFile(log, `# tests chosen: ${choice.selection}\n`);
        return { ...evidence, selection: choice.selection };
      }),

    /** Runs a suite on the run branch tip, e.g. the full suite after a batch or the e2e command at the end. */
    runBranchTests: (a: {
      runId: string;
      repoPath: string;
      command: string;
      label: string;
      baseline: Baseline;
      flakyReruns?: number;
      comparedToBase?: boolean;
    }): Promise<TestEvidence> =>
      sandboxed(a, async () => {
        const wt = await runWorktree(a.repoPath, a.runId);
        // Tests the run's tasks removed from the files they edited are allowed; any other test that vanished is not.
        const edited = (
          await (await gitAt(wt)).raw(['diff', '--name-only', '--no-renames', `${backupRef(a.runId)}..HEAD`])
        )
          .split('\n')
          .filter(Boolean);
        // One read of the base's results: they judge this run, and their command says whether it is the full suite.
        const base = readSavedBaseline(baselineResultsFile(a.repoPath, a.runId));
        return gatedTestRun(a.command, wt, path.join(runDir(a.repoPath, a.runId), 'logs', `${a.label}.log`), {
          baseline: a.baseline,
          saved: a.comparedToBase === false ? null : base,
          edited,
          fullSuite: a.command === base?.command,
          flakyReruns: a.flakyReruns,
        });
      }),
  };
}
