import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type { TaskRef } from '../../core/types';
import { taskWorktree } from '../run-paths';
import { gitAt, hasTaskTrailers, taskRef, trailerArgs, withoutTrailers } from './git';
import { parkWorktree } from './parked-worktrees';
import { addParkedWorktrees, removeWorktree } from './worktrees';
import { heartbeatSafe } from '../heartbeat';
import { crashPoint } from '../crash-point';

/** Paths that hold tests: a task may change them but never delete them. */
const TEST_FILE =
  /(^|\/)(test|tests|__tests__|spec)\/|\.(test|spec)\.[cm]?[jt]sx?$|(^|\/)test_[^/]+\.py$|_test\.(go|py)$/;

/** A pathspec that matches exactly this path: no glob, no pathspec magic (see gitglossary, "literal"). */
export const literalPathspec = (p: string) => `:(literal)${p}`;

/**
 * Moves the task file to tasks/archive/ in the worktree (git sees a rename once both paths are staged). Idempotent:
 * a file already moved by a try that died after the move is left where it is.
 */
async function archiveTaskFile(worktree: string, sourcePath: string, archived: string): Promise<void> {
  const from = path.join(worktree, sourcePath);
  if (
    !(await fs.lstat(from).then(
      () => true,
      () => false,
    ))
  )
    return;
  await fs.mkdir(path.dirname(path.join(worktree, archived)), { recursive: true });
  await fs.rename(from, path.join(worktree, archived));
}

/** The commit policy of a task's worktree: what is staged, what is refused, and the commit's shape. */
export function makeCommitActivities(worktreeRoot: string) {
  const worktreeOf = (t: TaskRef) => taskWorktree(worktreeRoot, t.runId, t.taskId);
  return {
    /**
     * Commits the agent's edits plus the move of the task file to tasks/archive/, as
     * "Complete TASK-x: <title>". Only the files the agent edited are staged. Idempotent.
     */
    async commitTask(
      a: TaskRef & { baseSha: string; title: string; summary: string; edited: string[]; sourcePath: string },
    ): Promise<{ commit: string | null; reason?: string }> {
      const wt = await gitAt(worktreeOf(a));
      const head = (await wt.revparse(['HEAD'])).trim();
      if (head !== a.baseSha) {
        // Committed by a try that died before its answer (or before the ref: it is written again, idempotently).
        if (await hasTaskTrailers(wt, head, a.runId, a.taskId)) {
          await wt.raw(['update-ref', taskRef(a.runId, a.taskId), head]);
          return { commit: head };
        }
        await wt.raw(['reset', '--hard', a.baseSha]);
      } else {
        // The index as the base has it: a try that died after staging (the edits, the archive move) left them there.
        await wt.raw(['reset', '--quiet']);
      }
      // Paths are the agent's: taken literally (a file named "*" or ":(glob)**" is just that file), and
      // nothing is staged when it edited nothing (`git add -A` without a path would stage the whole tree).
      if (a.edited.length) await wt.raw(['add', '-A', '--', ...a.edited.map(literalPathspec)]);
      // One diff for both questions: is there a change, and does it delete a test file ("D\tpath" lines, NUL-separated).
      const staged = (await wt.raw(['diff', '--cached', '--name-status', '--no-renames', '-z']))
        .split('\0')
        .filter(Boolean);
      if (!staged.length) return { commit: null, reason: 'the agent made no change to any file' };
      const deletedTests = staged.flatMap((w, i) =>
        w === 'D' && i + 1 < staged.length && TEST_FILE.test(staged[i + 1]) ? [staged[i + 1]] : [],
      );
      if (deletedTests.length)
        return {
          commit: null,
          reason: `the change deletes test file${deletedTests.length > 1 ? 's' : ''} ${deletedTests.join(', ')}; tests may be changed, not removed`,
        };
      // The backlog is the run's input: a change that edits task files could rewrite another task's tests: or Change blocks.
      const taskFiles = staged.filter((w, i) => i % 2 === 1 && w.startsWith('tasks/'));
      if (taskFiles.length)
        return {
          commit: null,
          reason: `the change edits task file${taskFiles.length > 1 ? 's' : ''} ${taskFiles.join(', ')}; tasks/ is the run's backlog, never part of a change`,
        };
      const archived = `tasks/archive/${path.posix.basename(a.sourcePath)}`;
      await archiveTaskFile(worktreeOf(a), a.sourcePath, archived);
      await wt.raw(['add', '-A', '--', literalPathspec(a.sourcePath), literalPathspec(archived)]);
      crashPoint('commit.after-git-mv');
      const summary = a.summary.trim() || `Completed by Flotilla.`;
      // Neither the title nor the agent's summary can forge a trailer; git writes the real ones as the final block.
      await wt.raw([
        'commit',
        '--no-verify',
        '-m',
        `Complete ${a.taskId}: ${withoutTrailers(a.title, true)}`,
        '-m',
        withoutTrailers(summary),
        ...trailerArgs(a.runId, a.taskId),
      ]);
      const commit = (await wt.revparse(['HEAD'])).trim();
      crashPoint('commit.after-commit-before-ref');
      await wt.raw(['update-ref', taskRef(a.runId, a.taskId), commit]);
      return { commit };
    },

    /**
     * Makes `count` worktrees at `sha` ready on this host for the run's tasks to take over (see addParkedWorktrees),
     * while the baseline suite runs. Best effort: the tasks add their own if these are not there.
     */
    async warmWorktrees(a: { runId: string; repoPath: string; sha: string; count: number }): Promise<number> {
      return addParkedWorktrees(a.repoPath, taskWorktree(worktreeRoot, a.runId, 'warm'), a.sha, a.count, () =>
        heartbeatSafe({ warmed: true }),
      );
    },

    /**
     * Takes the task's worktree away (rollback of anything uncommitted): parked for the run's next task on this
     * host, which resets and cleans it (parked-worktrees.ts), or removed. The task's commit, if any, is kept by its ref.
     */
    async removeTaskWorktree(a: TaskRef): Promise<void> {
      if (!(await parkWorktree(a.repoPath, worktreeOf(a)))) await removeWorktree(a.repoPath, worktreeOf(a));
    },
  };
}
