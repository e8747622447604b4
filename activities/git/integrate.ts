import { crashPoint } from '../crash-point';
import { backupRef, runBranch, taskCommits } from './git';
import { integrationWorktree } from '../run-paths';
import { branchWorktree } from './worktrees';

export type IntegrateResult = { ok: true; commit: string; tip: string } | { ok: false; reason: string; tip: string };

/**
 * Activities that move the run branch. They all work in the run's own worktree (outside the user's
 * repository folder), so the user's checked-out branch and working tree are never touched.
 */
export function makeIntegrateActivities(worktreeRoot: string) {
  const open = (repoPath: string, runId: string) => branchWorktree(repoPath, integrationWorktree(worktreeRoot, runId), runBranch(runId));

  async function integrate(repoPath: string, runId: string, commits: Array<{ taskId: string; commit: string }>): Promise<IntegrateResult[]> {
    const wt = await open(repoPath, runId);
    const tipNow = async () => (await wt.revparse(['HEAD'])).trim();
    // One read of the branch for all of them: which tasks it already has (a retry after a crash).
    const already = await taskCommits(wt, `${backupRef(runId)}..HEAD`, runId);
    const results: IntegrateResult[] = [];
    for (const c of commits) {
      const done = already.get(c.taskId);
      if (done) {
        results.push({ ok: true, commit: done, tip: await tipNow() });
        continue;
      }
      try {
        await wt.raw(['cherry-pick', '--allow-empty', c.commit]);
      } catch (err) {
        const conflicted = (await wt.raw(['diff', '--name-only', '--diff-filter=U']).catch(() => '')).trim().split('\n').filter(Boolean);
        await wt.raw(['cherry-pick', '--abort']).catch(() => undefined);
        await wt.raw(['reset', '--hard', 'HEAD']);
        const why = conflicted.length ? `its change conflicts with the run branch in ${conflicted.join(', ')}` : `its commit could not be applied: ${(err as Error).message.split('\n')[0]}`;
        results.push({ ok: false, reason: why, tip: await tipNow() });
        continue;
      }
      crashPoint('integrate.mid-group');
      const tip = await tipNow();
      results.push({ ok: true, commit: tip, tip });
    }
    return results;
  }

  return {
    /**
     * Applies a task's commit on top of the run branch. Idempotent: if the branch already has this run's
     * commit for the task (a retry after a crash), that commit is returned and nothing is applied twice.
     */
    async integrateCommit(a: { runId: string; repoPath: string; taskId: string; commit: string }): Promise<IntegrateResult> {
      const [r] = await integrate(a.repoPath, a.runId, [a]);
      return r;
    },

    /**
     * Applies several tasks' commits on top of the run branch, in order, in one activity (the changes that
     * finished while the previous group was being applied): each result is what integrateCommit would give,
     * and the `tip` of each is the branch after it. Idempotent like integrateCommit.
     */
    async integrateCommits(a: { runId: string; repoPath: string; commits: Array<{ taskId: string; commit: string }> }): Promise<IntegrateResult[]> {
      return integrate(a.repoPath, a.runId, a.commits);
    },

    /** Moves the run branch back to `sha` (used to drop commits that broke the suite). */
    async resetRunBranch(a: { runId: string; repoPath: string; sha: string }): Promise<void> {
      const wt = await open(a.repoPath, a.runId);
      await wt.raw(['reset', '--hard', a.sha]);
    },
  };
}
