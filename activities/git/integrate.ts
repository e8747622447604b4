import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { crashPoint } from '../crash-point';
import { backupRef, runBranch, taskCommits } from './git';
import { integrationWorktree, runDir } from '../run-paths';
import { branchWorktree } from './worktrees';

/** A change the culprit search puts on the run branch: the task's own commit (kept by its task ref). */
export interface ProbeChange {
  taskId: string;
  commit: string;
}

/** What one probe of the culprit search put on the branch: its tip, what did not apply (and why), and, when asked, each applied change's commit. */
export interface ProbeResult {
  tip: string;
  notApplied: Array<{ taskId: string; reason: string }>;
  commits?: ProbeChange[];
}

export type IntegrateResult = { ok: true; commit: string; tip: string } | { ok: false; reason: string; tip: string };

/**
 * Activities that move the run branch. They all work in the run's own worktree (outside the user's
 * repository folder), so the user's checked-out branch and working tree are never touched.
 */
export function makeIntegrateActivities(worktreeRoot: string) {
  const open = (repoPath: string, runId: string) =>
    branchWorktree(repoPath, integrationWorktree(worktreeRoot, runId), runBranch(runId));

  async function integrate(
    repoPath: string,
    runId: string,
    commits: Array<{ taskId: string; commit: string }>,
  ): Promise<IntegrateResult[]> {
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
        // No directory-rename guess: on a branch without tasks/archive/ (a culprit search re-applying a phase's
        // commits from its start), git would take archive/ for renamed to tasks/ and conflict on the task file.
        await wt.raw(['-c', 'merge.directoryRenames=false', 'cherry-pick', '--allow-empty', c.commit]);
      } catch (err) {
        const conflicted = (await wt.raw(['diff', '--name-only', '--diff-filter=U']).catch(() => ''))
          .trim()
          .split('\n')
          .filter(Boolean);
        await wt.raw(['cherry-pick', '--abort']).catch(() => undefined);
        await wt.raw(['reset', '--hard', 'HEAD']);
        const why = conflicted.length
          ? `its change conflicts with the run branch in ${conflicted.join(', ')}`
          : `its commit could not be applied: ${(err as Error).message.split('\n')[0]}`;
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
    async integrateCommit(a: {
      runId: string;
      repoPath: string;
      taskId: string;
      commit: string;
    }): Promise<IntegrateResult> {
      const [r] = await integrate(a.repoPath, a.runId, [a]);
      return r;
    },

    /**
     * Applies several tasks' commits on top of the run branch, in order, in one activity (the changes that
     * finished while the previous group was being applied): each result is what integrateCommit would give,
     * and the `tip` of each is the branch after it. Idempotent like integrateCommit.
     */
    async integrateCommits(a: {
      runId: string;
      repoPath: string;
      commits: Array<{ taskId: string; commit: string }>;
    }): Promise<IntegrateResult[]> {
      return integrate(a.repoPath, a.runId, a.commits);
    },

    /**
     * The culprit search's list of a batch's changes, in the order they reached the branch, saved once so each
     * probe names its changes by position (`upTo`, `excluding`) instead of carrying the list in its input.
     */
    async saveProbeList(a: {
      runId: string;
      repoPath: string;
      batchId: string;
      changes: ProbeChange[];
    }): Promise<string> {
      const file = path.join(runDir(a.repoPath, a.runId), 'logs', `culprits-${a.batchId}.json`);
      await fs.mkdir(path.dirname(file), { recursive: true });
      await fs.writeFile(file, JSON.stringify(a.changes));
      return file;
    },

    /**
     * One probe of the culprit search, in one activity: the run branch reset to `sha`, then the first `upTo`
     * changes of the saved list but those in `excluding`, applied in order. A change that no longer applies
     * (it needed a change now left out) is skipped and reported, never a failure. Idempotent: it starts with the reset.
     */
    async applyProbe(a: {
      runId: string;
      repoPath: string;
      sha: string;
      listFile: string;
      upTo: number;
      excluding: string[];
      withCommits?: boolean;
    }): Promise<ProbeResult> {
      const changes = (JSON.parse(await fs.readFile(a.listFile, 'utf8')) as ProbeChange[])
        .slice(0, a.upTo)
        .filter((c) => !a.excluding.includes(c.taskId));
      const wt = await open(a.repoPath, a.runId);
      await wt.raw(['reset', '--hard', a.sha]);
      const results = await integrate(a.repoPath, a.runId, changes);
      const notApplied = results.flatMap((r, i) => (r.ok ? [] : [{ taskId: changes[i].taskId, reason: r.reason }]));
      const tip = results.length ? results[results.length - 1].tip : a.sha;
      return {
        tip,
        notApplied,
        ...(a.withCommits
          ? { commits: results.flatMap((r, i) => (r.ok ? [{ taskId: changes[i].taskId, commit: r.commit }] : [])) }
          : {}),
      };
    },

    /** Moves the run branch back to `sha` (used to drop commits that broke the suite). */
    async resetRunBranch(a: { runId: string; repoPath: string; sha: string }): Promise<void> {
      const wt = await open(a.repoPath, a.runId);
      await wt.raw(['reset', '--hard', a.sha]);
    },
  };
}
