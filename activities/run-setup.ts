import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { buildPlan, parseTaskFiles, renderPlanMarkdown } from '../planner';
import { detectTestCommand } from './detect-test-command';
import { repoError } from './errors';
import { backupRef, changedPaths, gitAt, runBranch } from './git';
import { detectInstallCommand, prepareEnvironment } from './dependencies';
import { runTwiceOnFailure } from './gated-run';
import { baselineFrom } from './judge-tests';
import { integrationWorktree, runDir } from './run-paths';
import { Baseline, PlannedRun, PreparedRun, RunSettings, TestEvidence } from './types';
import { branchWorktree } from './worktrees';

const TASK_FILE = /^tasks\/[^/]+\.md$/;

async function excludeFlotillaFolder(repoPath: string): Promise<void> {
  const git = await gitAt(repoPath);
  const common = path.resolve(repoPath, (await git.raw(['rev-parse', '--git-common-dir'])).trim());
  const exclude = path.join(common, 'info', 'exclude');
  const current = await fs.readFile(exclude, 'utf8').catch(() => '');
  if (!/^\/?\.flotilla\/?$/m.test(current)) {
    await fs.mkdir(path.dirname(exclude), { recursive: true });
    await fs.writeFile(exclude, `${current}${current && !current.endsWith('\n') ? '\n' : ''}/.flotilla/\n`);
  }
}

export function makeRunSetupActivities(worktreeRoot: string) {
  return {
    /**
     * Checks the repository (a git repo, clean, with commits and a test command), then creates the run
     * branch and a backup ref at HEAD. Idempotent: a second call for the same run returns the same base.
     */
    async prepareRun(s: RunSettings & { allowDirty?: boolean }): Promise<PreparedRun> {
      const stat = await fs.stat(s.repoPath).catch(() => null);
      if (!stat?.isDirectory()) throw repoError(`${s.repoPath} does not exist or is not a folder. Pass --repo with the path of a git repository.`);
      const git = await gitAt(s.repoPath);
      const top = await git.raw(['rev-parse', '--show-toplevel']).catch(() => '');
      if (!top.trim()) throw repoError(`${s.repoPath} is not a git repository. Run \`git init\` and commit your code first.`);
      if (path.resolve(top.trim()) !== (await fs.realpath(s.repoPath))) {
        throw repoError(`${s.repoPath} is inside the repository ${top.trim()}; pass --repo ${top.trim()}`);
      }
      const branch = runBranch(s.runId);
      const dir = runDir(s.repoPath, s.runId);
      await fs.mkdir(dir, { recursive: true });
      await excludeFlotillaFolder(s.repoPath);
      const existing = await git.raw(['rev-parse', '--verify', '--quiet', backupRef(s.runId)]).catch(() => '');
      let baseSha = existing.trim();
      if (!baseSha) {
        const head = await git.raw(['rev-parse', '--verify', '--quiet', 'HEAD']).catch(() => '');
        if (!head.trim()) throw repoError(`${s.repoPath} has no commits yet. Commit your code and tasks/ first.`);
        if (!s.allowDirty) {
          const dirty = await changedPaths(git);
          if (dirty.length) {
            const files = dirty.slice(0, 10).join(', ') + (dirty.length > 10 ? ` and ${dirty.length - 10} more` : '');
            throw repoError(`the working tree of ${s.repoPath} has uncommitted changes (${files}). Commit or stash them, then start the run again.`);
          }
        }
        baseSha = head.trim();
        await git.raw(['update-ref', backupRef(s.runId), baseSha]);
        await git.raw(['branch', branch, baseSha]);
      }
      const testCommand = s.testCommand ?? detectTestCommand(s.repoPath);
      if (!testCommand) throw repoError(`no test command found in ${s.repoPath} (looked for package.json "test", Makefile test, pytest, go.mod, Cargo.toml). Pass --test-cmd.`);
      return { baseSha, branch, runDir: dir, testCommand };
    },

    /**
     * Runs the full suite on the base commit (in the run's own worktree), twice if it fails, and records
     * the baseline: the tests that fail consistently, and the flaky ones that flip between runs.
     */
    async baselineTests(a: { runId: string; repoPath: string; testCommand: string; installCommand?: string; setupCommand?: string }): Promise<{ evidence: TestEvidence; baseline: Baseline }> {
      const wt = integrationWorktree(worktreeRoot, a.runId);
      await branchWorktree(a.repoPath, wt, runBranch(a.runId));
      const installCommand = a.installCommand ?? detectInstallCommand(a.repoPath);
      await prepareEnvironment({ cwd: wt, logDir: path.join(runDir(a.repoPath, a.runId), 'logs'), installCommand, setupCommand: a.setupCommand });
      const [first, rerun] = await runTwiceOnFailure(a.testCommand, wt, path.join(runDir(a.repoPath, a.runId), 'logs', 'baseline.log'));
      return baselineFrom(first, rerun);
    },

    /** Parses the task files committed at the base commit and writes plan.md and plan.json to the run folder. */
    async planRun(a: { runId: string; repoPath: string; baseSha: string; testCommand: string; maxParallel: number; model: string; sequentialRisk: RunSettings['sequentialRisk']; segmentTasks?: number }): Promise<PlannedRun> {
      const git = await gitAt(a.repoPath);
      const names = (await git.raw(['ls-tree', '-r', '--name-only', a.baseSha, '--', 'tasks/']))
        .split('\n')
        .filter((p) => TASK_FILE.test(p) && !/^tasks\/readme/i.test(p));
      const files = [];
      for (const p of names) files.push({ path: p, text: await git.raw(['show', `${a.baseSha}:${p}`]) });
      const { tasks, problems } = parseTaskFiles(files);
      const existingFiles = new Set((await git.raw(['ls-tree', '-r', '--name-only', a.baseSha])).split('\n').filter(Boolean));
      const plan = buildPlan(tasks, problems, {
        existingFiles,
        repoName: path.basename(a.repoPath),
        testCommand: a.testCommand,
        sequentialRisk: a.sequentialRisk,
        maxParallel: a.maxParallel,
        segmentTasks: a.segmentTasks,
      });
      const dir = runDir(a.repoPath, a.runId);
      const planPath = path.join(dir, 'plan.md');
      const planJsonPath = path.join(dir, 'plan.json');
      await fs.writeFile(planPath, renderPlanMarkdown(plan, { runId: a.runId, model: a.model }));
      await fs.writeFile(planJsonPath, JSON.stringify(plan, null, 2) + '\n');
      // Only the outline goes back into the workflow's history; batches load their tasks from plan.json.
      const { tasks: planned, conflicts: _, ...outline } = plan;
      return { outline: { ...outline, taskCount: Object.keys(planned).length }, planPath, planJsonPath };
    },
  };
}
