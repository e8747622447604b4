import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { withWorktreeAdmin } from './admin-lock';
import { type Git, gitAt } from './git';
import { parkingOf, takeParkedWorktree } from './parked-worktrees';
import { randomBytes } from 'node:crypto';
import { registrationsUnder, worktreeGitDir } from './worktree-registration';
import { crashPoint } from '../crash-point';

async function exists(p: string): Promise<boolean> {
  return fs.stat(p).then(
    () => true,
    () => false,
  );
}

/**
 * Makes the worktree's dependencies available without a reinstall: link the source repo's node_modules,
 * or else the one installed once for the run (`shared`, in the run's own worktree).
 */
async function linkDependencies(repoPath: string, worktree: string, shared?: string): Promise<void> {
  const target = path.join(worktree, 'node_modules');
  if (await exists(target)) return;
  for (const source of [path.join(repoPath, 'node_modules'), shared]) {
    if (source && path.dirname(source) !== worktree && (await exists(source))) {
      await fs.symlink(await fs.realpath(source), target, 'dir');
      return;
    }
  }
}

/**
 * Removes an index.lock left behind by a git process that was killed (a worker crash). Flotilla's
 * workflows give each worktree to one activity at a time, so a lock present at the start is stale.
 */
async function clearStaleLock(worktree: string): Promise<void> {
  const gitDir = await worktreeGitDir(worktree);
  if (gitDir) await fs.rm(path.join(gitDir, 'index.lock'), { force: true });
}

/**
 * Worktrees of one repository may live on several hosts (each worker's own worktree folder, the repository
 * on a shared path). Locked, so `git worktree prune` on one host never drops the worktrees of another that
 * it cannot see; forced, so each host can check the run branch out in its own run worktree (every use resets
 * it to the branch tip first, and the run's steps on the branch run one at a time), and a path whose folder
 * is gone but whose record is locked can be added again.
 */
const ON_ANY_HOST = ['--force', '--force', '--lock'];

/**
 * Adds a detached worktree of `repoPath` at `sha`. Only the administration (`--no-checkout`) runs under the
 * repository's worktree lock; the checkout of the files happens outside it, so parallel worktrees wait for
 * each other only for a moment.
 */
async function addDetachedWorktree(repoPath: string, worktree: string, sha: string): Promise<void> {
  const repo = await gitAt(repoPath);
  await fs.rm(worktree, { recursive: true, force: true });
  await fs.mkdir(path.dirname(worktree), { recursive: true });
  await withWorktreeAdmin(repoPath, async () => {
    // --force: a path still registered but missing (a crashed worker's, removed by hand) is taken over.
    await repo.raw(['worktree', 'add', '--no-checkout', ...ON_ANY_HOST, '--detach', worktree, sha]);
  });
  await (await gitAt(worktree)).raw(['reset', '--hard', '--quiet', sha]);
}

/**
 * A detached worktree of `repoPath` at `sha`, outside the repository. Idempotent: an existing one
 * (from an earlier attempt or a crashed worker) is reset to `sha` and cleaned, so no edit is applied twice.
 * Else a worktree another task of the run parked on this host is taken over (parked-worktrees.ts), reset and
 * cleaned of everything git does not track, ignored files included; else a new one is added.
 */
export async function freshWorktree(
  repoPath: string,
  worktree: string,
  sha: string,
  sharedDeps?: string,
): Promise<Git> {
  const own = await exists(path.join(worktree, '.git'));
  if (!own) await fs.rm(worktree, { recursive: true, force: true });
  if (own || (await takeParkedWorktree(repoPath, worktree))) {
    try {
      const wt = await gitAt(worktree);
      await clearStaleLock(worktree);
      await wt.raw(['reset', '--hard', '--quiet', sha]);
      await wt.raw(['clean', '-ffd', ...(own ? [] : ['-x']), '-e', 'node_modules']);
      await linkDependencies(repoPath, worktree, sharedDeps);
      return wt;
    } catch {
      // A worktree a killed worker left broken (e.g. a half-written .git file): removed, and a new one added.
      await removeWorktree(repoPath, worktree);
    }
  }
  await addDetachedWorktree(repoPath, worktree, sha);
  await linkDependencies(repoPath, worktree, sharedDeps);
  return gitAt(worktree);
}

/** The name of a warm worktree's folder, and so of its registration (`<common>/worktrees/warm-…`), wherever it moves. */
const WARM = 'warm-';

/**
 * Makes `count` worktrees at `sha` exist for the tasks of the run whose task worktree `like` is (its folder need not
 * exist), added straight into its parking for the run's first tasks to take over: made while the baseline suite runs,
 * so the first agents do not queue for the repository's worktree lock. Idempotent: the warm worktrees the run has
 * already (a try that died half way; taken by a task since, or parked again) are counted, by their registrations,
 * and only the rest are added. `onEach` is called after each one (heartbeats). Returns how many exist.
 */
export async function addParkedWorktrees(
  repoPath: string,
  like: string,
  sha: string,
  count: number,
  onEach?: () => void,
): Promise<number> {
  const runFolder = path.dirname(like);
  let made = (await registrationsUnder(repoPath, runFolder)).filter((r) => path.basename(r).startsWith(WARM)).length;
  for (; made < count; made++) {
    if (made === 1) crashPoint('warm-worktrees.mid');
    const parked = path.join(parkingOf(like), `${WARM}${randomBytes(4).toString('hex')}`);
    await addDetachedWorktree(repoPath, parked, sha);
    onEach?.();
  }
  return made;
}

/** Whether a worktree is exactly at HEAD: no git operation left half done, nothing changed (node_modules aside). */
async function cleanAtHead(wt: Git, worktree: string): Promise<boolean> {
  const gitDir = await worktreeGitDir(worktree);
  if (!gitDir) return false;
  for (const f of ['index.lock', 'CHERRY_PICK_HEAD', 'MERGE_HEAD', 'REVERT_HEAD'])
    if (await exists(path.join(gitDir, f))) return false;
  const status = await wt.raw(['status', '--porcelain', '--untracked-files=all']);
  return status.split('\n').every((l) => !l.trim() || /^\?\? node_modules\/?$/.test(l.trim()));
}

/** A worktree with `branch` checked out (the run branch), created if missing and reset to the branch tip. */
export async function branchWorktree(repoPath: string, worktree: string, branch: string): Promise<Git> {
  if (!(await exists(path.join(worktree, '.git')))) {
    // Each host has its own run worktree on the run branch (ON_ANY_HOST); a missing one's registration is pruned first.
    await fs.rm(worktree, { recursive: true, force: true });
    await fs.mkdir(path.dirname(worktree), { recursive: true });
    const repo = await gitAt(repoPath);
    await withWorktreeAdmin(repoPath, async () => {
      await repo.raw(['worktree', 'prune']);
      await repo.raw(['worktree', 'add', '--no-checkout', ...ON_ANY_HOST, worktree, branch]);
    });
    await (await gitAt(worktree)).raw(['reset', '--hard', '--quiet', 'HEAD']);
  }
  const wt = await gitAt(worktree);
  // The common case (the last activity left it clean) costs one `git status`; else what a crash left is undone.
  if (!(await cleanAtHead(wt, worktree))) {
    await clearStaleLock(worktree);
    await wt.raw(['cherry-pick', '--abort']).catch(() => undefined);
    await wt.raw(['reset', '--hard', 'HEAD']);
    await wt.raw(['clean', '-fd', '-e', 'node_modules']);
  }
  await linkDependencies(repoPath, worktree);
  return wt;
}

/**
 * Removes a worktree, or a folder of worktrees (a run's): the files first (outside the lock), then the
 * registrations that name them (under it), deleted directly: no `git worktree prune`, which reads every
 * registration of the repository while holding the lock that parallel agents wait on to add theirs. A folder
 * of worktrees is rare (a run's end): git then also prunes what else went missing.
 */
export async function removeWorktree(repoPath: string, worktree: string): Promise<void> {
  const registrations = await registrationsUnder(repoPath, worktree);
  const folder = !(await exists(path.join(worktree, '.git')));
  await fs.rm(worktree, { recursive: true, force: true });
  await withWorktreeAdmin(repoPath, async () => {
    for (const r of registrations) await fs.rm(r, { recursive: true, force: true });
    if (folder) await (await gitAt(repoPath)).raw(['worktree', 'prune']).catch(() => undefined);
  });
}
