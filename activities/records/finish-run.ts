import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { countTasks, rolledBack } from '../../core/task-table';
import type { RunReport, TaskState } from '../../core/types';
import { addUsage } from '../../core/usage';
import { gitAt } from '../git/git';
import { runGit } from '../git/git-process';
import { removeWorktree } from '../git/worktrees';
import { runDir } from '../run-paths';
import { readPlan } from './plan-store';
import { buildReviewBranch } from './review-branch';
import { writeReview } from './review';
import { allRunRecords, saveTaskStates } from './task-records';

/** Deletes `refs` in one `git update-ref --stdin` transaction. */
function deleteRefs(repoPath: string, refs: string[]): Promise<void> {
  if (!refs.length) return Promise.resolve();
  return runGit(repoPath, ['update-ref', '--stdin'], {
    input: refs.map((r) => `delete ${r}\n`).join(''),
    strict: true,
  }).then(() => undefined);
}

/** Adds the planned tasks the run never reached, as skipped with `reason`. */
async function withUnstarted(
  repoPath: string,
  runId: string,
  tasks: TaskState[],
  reason: string,
): Promise<TaskState[]> {
  const plan = await readPlan(repoPath, runId).catch(() => null);
  if (!plan) return tasks;
  const seen = new Set(tasks.map((t) => t.id));
  const out = [...tasks];
  for (const phase of plan.phases) {
    for (const b of phase.batches) {
      for (const id of b.taskIds)
        if (!seen.has(id))
          out.push({
            id,
            title: plan.tasks[id].title,
            status: 'skipped',
            phase: phase.number,
            batch: b.id,
            attempts: 0,
            reason,
          });
    }
  }
  return out;
}

/** The run's records on disk: segments saved as the run goes, and report.json and review.md at its end. */
export function makeRunRecordActivities(worktreeRoot: string) {
  return {
    /** Records a finished segment's task states on disk (the run workflow then drops the committed ones from memory). */
    saveTaskStates,

    /** Writes report.json and review.md, and removes the run's worktrees; the run branch and backup ref stay. */
    async finishRun(a: {
      runId: string;
      repoPath: string;
      report: RunReport;
      reviewBranch?: boolean;
      rolledBack?: boolean;
      notStarted?: string;
    }): Promise<{ reportPath: string; reviewBranch?: RunReport['reviewBranch'] }> {
      // The run holds only its last segment's tasks (and those that did not commit); earlier ones were saved on disk,
      // and tasks of segments it never reached are only in plan.json.
      const all = await allRunRecords(a.repoPath, a.runId, a.report);
      let tasks = all.tasks;
      if (a.report.planPath) tasks = await withUnstarted(a.repoPath, a.runId, tasks, a.notStarted ?? 'not started');
      if (a.rolledBack) tasks = tasks.map(rolledBack);
      const { counts, usage } = countTasks(tasks);
      // The run-level review is paid by the run, not by a task.
      if (a.report.runReview) addUsage(usage, a.report.runReview.usage);
      const { tasksElsewhere: _, ...rest } = a.report;
      const report: RunReport = { ...rest, batches: all.batches, tasks, counts, usage };
      if (a.reviewBranch && report.status === 'completed')
        report.reviewBranch = await buildReviewBranch(report, worktreeRoot);
      const file = path.join(runDir(a.repoPath, a.runId), 'report.json');
      await fs.mkdir(path.dirname(file), { recursive: true });
      await fs.writeFile(file, JSON.stringify(report, null, 2) + '\n');
      if (report.baseSha) await writeReview(report);
      const git = await gitAt(a.repoPath);
      const refs = (await git.raw(['for-each-ref', '--format=%(refname)', `refs/flotilla/${a.runId}/tasks/`]))
        .split('\n')
        .filter(Boolean);
      // One transaction for all of them (one git process, not one per task).
      await deleteRefs(a.repoPath, refs);
      // The run's folder of worktrees (its own and any a crashed task left there), and their registrations.
      await removeWorktree(a.repoPath, path.join(worktreeRoot, a.runId));
      return { reportPath: file, ...(report.reviewBranch ? { reviewBranch: report.reviewBranch } : {}) };
    },
  };
}
