import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { backupRef, findTaskCommit, gitAt, runBranch } from './git';
import { gatedTestRun } from './gated-run';
import { integrationWorktree, runDir } from './run-paths';
import { writeReview } from './review';
import { buildReviewBranch } from './review-branch';
import { countTasks, rolledBack } from '../workflows/task-table';
import { readPlan } from './plan-store';
import { allRunRecords, saveTaskStates } from './task-records';
import { Baseline, RunReport, TaskState, TestEvidence } from './types';
import { branchWorktree, removeWorktree } from './worktrees';

/** Adds the planned tasks the run never reached, as skipped with `reason`. */
async function withUnstarted(repoPath: string, runId: string, tasks: TaskState[], reason: string): Promise<TaskState[]> {
  const plan = await readPlan(repoPath, runId).catch(() => null);
  if (!plan) return tasks;
  const seen = new Set(tasks.map((t) => t.id));
  const out = [...tasks];
  for (const phase of plan.phases) {
    for (const b of phase.batches) {
      for (const id of b.taskIds) if (!seen.has(id)) out.push({ id, title: plan.tasks[id].title, status: 'skipped', phase: phase.number, batch: b.id, attempts: 0, reason });
    }
  }
  return out;
}

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

    /** Records a finished segment's task states on disk (the run workflow then drops the committed ones from memory). */
    saveTaskStates,

    /** Writes report.json and review.md, and removes the run's worktrees; the run branch and backup ref stay. */
    async finishRun(a: { runId: string; repoPath: string; report: RunReport; reviewBranch?: boolean; rolledBack?: boolean; notStarted?: string }): Promise<{ reportPath: string; reviewBranch?: RunReport['reviewBranch'] }> {
      // The run holds only its last segment's tasks (and those that did not commit); earlier ones were saved on disk,
      // and tasks of segments it never reached are only in plan.json.
      const all = await allRunRecords(a.repoPath, a.runId, a.report);
      let tasks = all.tasks;
      if (a.report.planPath) tasks = await withUnstarted(a.repoPath, a.runId, tasks, a.notStarted ?? 'not started');
      if (a.rolledBack) tasks = tasks.map(rolledBack);
      const { counts, usage } = countTasks(tasks);
      const { tasksElsewhere: _, ...rest } = a.report;
      const report: RunReport = { ...rest, batches: all.batches, tasks, counts, usage };
      if (a.reviewBranch && report.status === 'completed') report.reviewBranch = await buildReviewBranch(report, worktreeRoot);
      const file = path.join(runDir(a.repoPath, a.runId), 'report.json');
      await fs.mkdir(path.dirname(file), { recursive: true });
      await fs.writeFile(file, JSON.stringify(report, null, 2) + '\n');
      if (report.baseSha) await writeReview(report);
      await removeWorktree(a.repoPath, integrationWorktree(worktreeRoot, a.runId));
      const git = await gitAt(a.repoPath);
      const refs = (await git.raw(['for-each-ref', '--format=%(refname)', `refs/flotilla/${a.runId}/tasks/`])).split('\n').filter(Boolean);
      for (const ref of refs) await git.raw(['update-ref', '-d', ref]);
      await fs.rm(path.join(worktreeRoot, a.runId), { recursive: true, force: true });
      return { reportPath: file, ...(report.reviewBranch ? { reviewBranch: report.reviewBranch } : {}) };
    },
  };
}
