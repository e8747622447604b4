import * as os from 'node:os';
import * as path from 'node:path';

/** Where a run keeps its plan, logs, transcripts and report: inside the repo, under .flotilla/ (git-excluded). */
export const runDir = (repoPath: string, runId: string) => path.join(repoPath, '.flotilla', 'runs', runId);

/** Worktrees live outside the repository, so test runners that scan the repo never see them. */
export const defaultWorktreeRoot = () => process.env.FLOTILLA_WORKTREES ?? path.join(os.tmpdir(), 'flotilla-worktrees');

export const taskWorktree = (root: string, runId: string, taskId: string) => path.join(root, runId, taskId);
export const integrationWorktree = (root: string, runId: string) => path.join(root, runId, '_integration');

export const taskDir = (repoPath: string, runId: string, taskId: string) =>
  path.join(runDir(repoPath, runId), 'tasks', taskId);

/** The research document's notes on a task, written at planning and given to its agent. */
export const researchNotesFile = (repoPath: string, runId: string, taskId: string) =>
  path.join(taskDir(repoPath, runId, taskId), 'research.md');

/** The base's per-test results, saved by the baseline run for every later gate of the run. */
export const baselineResultsFile = (repoPath: string, runId: string) =>
  path.join(runDir(repoPath, runId), 'logs', 'baseline.results.json');
