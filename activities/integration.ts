import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { backupRef, findTaskCommit, gitAt, runBranch } from './git';
import { gatedTestRun } from './gated-run';
import { integrationWorktree, runDir } from './run-paths';
import { writeReview } from './review';
import { buildReviewBranch } from './review-branch';
import { Baseline, RunReport, TestEvidence } from './types';
import { branchWorktree, removeWorktree } from './worktrees';

export type IntegrateResult = { ok: true; commit: string; tip: string } | { ok: false; reason: string; tip: string };

/**
 * Activities that move the run branch. They all work in the run's own worktree (outside the user's
 * repository folder), so the user's checked-out branch and working tree are never touched.
 */
export function makeIntegrationActivities(worktreeRoot: string) {
  const open = (repoPath: string, runId: string) => branchWorktree(repoPath, integrationWorktree(worktreeRoot, runId), runBranch(runId));

  return {
    /**
     * Applies a task's commit on top of the run branch. Idempotent: if the branch already has this run's
     * commit for the task (a retry after a crash), that commit is returned and nothing is applied twice.
     */
    async integrateCommit(a: { runId: string; repoPath: string; taskId: string; commit: string }): Promise<IntegrateResult> {
      const wt = await open(a.repoPath, a.runId);
      const already = await findTaskCommit(wt, `${backupRef(a.runId)}..HEAD`, a.runId, a.taskId);
      const tipNow = async () => (await wt.revparse(['HEAD'])).trim();
      if (already) return { ok: true, commit: already, tip: await tipNow() };
      try {
        await wt.raw(['cherry-pick', '--allow-empty', a.commit]);
      } catch (err) {
        const conflicted = (await wt.raw(['diff', '--name-only', '--diff-filter=U']).catch(() => '')).trim().split('\n').filter(Boolean);
        await wt.raw(['cherry-pick', '--abort']).catch(() => undefined);
        await wt.raw(['reset', '--hard', 'HEAD']);
        const why = conflicted.length ? `its change conflicts with the run branch in ${conflicted.join(', ')}` : `its commit could not be applied: ${(err as Error).message.split('\n')[0]}`;
        return { ok: false, reason: why, tip: await tipNow() };
      }
      const tip = await tipNow();
      return { ok: true, commit: tip, tip };
    },

    /** Moves the run branch back to `sha` (used to drop commits that broke the suite). */
    async resetRunBranch(a: { runId: string; repoPath: string; sha: string }): Promise<void> {
      const wt = await open(a.repoPath, a.runId);
      await wt.raw(['reset', '--hard', a.sha]);
    },

    /** Runs a suite on the run branch tip, e.g. the full suite after a batch or the e2e command at the end. */
    async runBranchTests(a: { runId: string; repoPath: string; command: string; label: string; baseline: Baseline }): Promise<TestEvidence> {
      const wt = integrationWorktree(worktreeRoot, a.runId);
      await open(a.repoPath, a.runId);
      return gatedTestRun(a.command, wt, path.join(runDir(a.repoPath, a.runId), 'logs', `${a.label}.log`), a.baseline);
    },

    /** Writes report.json and review.md, and removes the run's worktrees; the run branch and backup ref stay. */
    async finishRun(a: { runId: string; repoPath: string; report: RunReport; reviewBranch?: boolean }): Promise<{ reportPath: string; reviewBranch?: RunReport['reviewBranch'] }> {
      if (a.reviewBranch && a.report.status === 'completed') a.report.reviewBranch = await buildReviewBranch(a.report, worktreeRoot);
      const file = path.join(runDir(a.repoPath, a.runId), 'report.json');
      await fs.mkdir(path.dirname(file), { recursive: true });
      await fs.writeFile(file, JSON.stringify(a.report, null, 2) + '\n');
      if (a.report.baseSha) await writeReview(a.report);
      await removeWorktree(a.repoPath, integrationWorktree(worktreeRoot, a.runId));
      const git = await gitAt(a.repoPath);
      const refs = (await git.raw(['for-each-ref', '--format=%(refname)', `refs/flotilla/${a.runId}/tasks/`])).split('\n').filter(Boolean);
      for (const ref of refs) await git.raw(['update-ref', '-d', ref]);
      await fs.rm(path.join(worktreeRoot, a.runId), { recursive: true, force: true });
      return { reportPath: file, ...(a.report.reviewBranch ? { reviewBranch: a.report.reviewBranch } : {}) };
    },
  };
}
