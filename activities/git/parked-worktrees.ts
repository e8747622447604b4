import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { ownRegistration, relink } from './worktree-registration';

/**
 * A finished task's worktree is parked instead of removed, and the run's next task on the same host takes
 * it over: a rename and a reset instead of `git worktree add` (under the repository's lock, a full checkout)
 * plus a removal (a full delete). Parked worktrees wait beside the task worktrees (`<root>/<runId>/_parked`)
 * and go with the run's folder when it ends. Nothing of the earlier task survives the taking: the worktree is
 * reset to the new base and cleaned of every file git does not track, ignored ones included (freshWorktree).
 */
export const parkingOf = (worktree: string) => path.join(path.dirname(worktree), '_parked');

/** Parks a task's worktree; false (nothing moved) when it is not a sound registration of `repoPath`: remove it instead. */
export async function parkWorktree(repoPath: string, worktree: string): Promise<boolean> {
  const admin = await ownRegistration(repoPath, worktree);
  if (!admin) return false;
  const parked = path.join(parkingOf(worktree), `${path.basename(admin)}-${randomBytes(4).toString('hex')}`);
  await fs.mkdir(path.dirname(parked), { recursive: true });
  if (
    !(await fs.rename(worktree, parked).then(
      () => true,
      () => false,
    ))
  )
    return false;
  await relink(admin, parked);
  return true;
}

/**
 * Moves a parked worktree to `worktree` (which must not exist) and relinks it; false when none is parked.
 * Renames are atomic: two agents never take the same one. A parked folder that is not a sound registration
 * any more is deleted (its registration goes with the run's prune).
 */
export async function takeParkedWorktree(repoPath: string, worktree: string): Promise<boolean> {
  const dir = parkingOf(worktree);
  for (const name of await fs.readdir(dir).catch(() => [] as string[])) {
    const parked = path.join(dir, name);
    if (
      !(await fs.rename(parked, worktree).then(
        () => true,
        () => false,
      ))
    )
      continue; // taken by another agent
    const admin = await ownRegistration(repoPath, worktree, parked);
    if (admin) {
      await relink(admin, worktree);
      return true;
    }
    await fs.rm(worktree, { recursive: true, force: true });
  }
  return false;
}
