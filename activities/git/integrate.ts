import { backupRef, findTaskCommit, runBranch } from './git';
import { integrationWorktree } from '../run-paths';
import { branchWorktree } from './worktrees';

export type IntegrateResult = { ok: true; commit: string; tip: string } | { ok: false; reason: string; tip: string };

/**
 * Activities that move the run branch. They all work in the run's own worktree (outside the user's
 * repository folder), so the user's checked-out branch and working tree are never touched.
 */
export function makeIntegrateActivities(worktreeRoot: string) {
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
  };
}
