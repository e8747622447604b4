import * as fs from 'node:fs';

/**
 * The named crash points: places inside an activity between two of its side effects, where a worker that dies
 * leaves half of the activity done. Every activity must finish correctly when a retry finds that half. Each point
 * is one call of crashPoint with its name in the sources, and the sweep (test/integration/crash-sweep.test.ts) kills a
 * worker at each one in a real run, starts another and checks the run ends the same. A point in the sources
 * but not here, or here but not swept, fails test/unit/crash-points.test.ts.
 */
export const CRASH_POINTS = {
  'prepare-run.after-backup-ref': 'prepareRun wrote the backup ref; the run branch is not made yet',
  'warm-worktrees.mid': 'warmWorktrees added its first worktree; the others are not added yet',
  'agent-turn.after-edits-before-checkpoint':
    "a later agent turn's tool calls edited the worktree; the turn's checkpoint is not saved yet",
  'commit.after-git-mv':
    'commitTask staged the edits and moved the task file to tasks/archive/; nothing is committed yet',
  'commit.after-commit-before-ref': "commitTask made the task's commit; the task ref does not point at it yet",
  'integrate.mid-group':
    'integrateCommits cherry-picked a commit onto the run branch; the rest of the group (or its answer) is not done yet',
} as const;

export type CrashPointName = keyof typeof CRASH_POINTS;

/**
 * Test-only: SIGKILLs this worker process when FLOTILLA_CRASH_POINT names `name`, once: FLOTILLA_CRASH_FIRED is a
 * file created (exclusively) as the point fires, so a second process given the same variables goes on. A no-op
 * otherwise (one environment lookup).
 */
export function crashPoint(name: CrashPointName): void {
  if (process.env.FLOTILLA_CRASH_POINT !== name) return;
  const fired = process.env.FLOTILLA_CRASH_FIRED;
  if (fired) {
    try {
      fs.writeFileSync(fired, `${name}\n`, { flag: 'wx' });
    } catch {
      return; // fired already (or the file cannot be made): never kill twice
    }
  }
  process.kill(process.pid, 'SIGKILL');
}
