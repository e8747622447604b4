import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { SimpleGit } from 'simple-git';
import { gitAt } from './git';

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
async function clearStaleLock(wt: SimpleGit): Promise<void> {
  const lock = (await wt.raw(['rev-parse', '--path-format=absolute', '--git-path', 'index.lock'])).trim();
  await fs.rm(lock, { force: true });
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
 * A detached worktree of `repoPath` at `sha`, outside the repository. Idempotent: an existing one
 * (from an earlier attempt or a crashed worker) is reset to `sha` and cleaned, so no edit is applied twice.
 */
export async function freshWorktree(repoPath: string, worktree: string, sha: string, sharedDeps?: string): Promise<SimpleGit> {
  const repo = await gitAt(repoPath);
  if (await exists(path.join(worktree, '.git'))) {
    const wt = await gitAt(worktree);
    await clearStaleLock(wt);
    await wt.raw(['reset', '--hard', sha]);
    await wt.raw(['clean', '-fd', '-e', 'node_modules']);
    await linkDependencies(repoPath, worktree, sharedDeps);
    return wt;
  }
  await fs.rm(worktree, { recursive: true, force: true });
  await repo.raw(['worktree', 'prune']);
  await fs.mkdir(path.dirname(worktree), { recursive: true });
  await repo.raw(['worktree', 'add', ...ON_ANY_HOST, '--detach', worktree, sha]);
  await linkDependencies(repoPath, worktree, sharedDeps);
  return gitAt(worktree);
}

/** A worktree with `branch` checked out (the run branch), created if missing and reset to the branch tip. */
export async function branchWorktree(repoPath: string, worktree: string, branch: string): Promise<SimpleGit> {
  const repo = await gitAt(repoPath);
  if (!(await exists(path.join(worktree, '.git')))) {
    await fs.rm(worktree, { recursive: true, force: true });
    await repo.raw(['worktree', 'prune']);
    await fs.mkdir(path.dirname(worktree), { recursive: true });
    await repo.raw(['worktree', 'add', ...ON_ANY_HOST, worktree, branch]);
  }
  const wt = await gitAt(worktree);
  await clearStaleLock(wt);
  await wt.raw(['cherry-pick', '--abort']).catch(() => undefined);
  await wt.raw(['reset', '--hard', 'HEAD']);
  await wt.raw(['clean', '-fd', '-e', 'node_modules']);
  await linkDependencies(repoPath, worktree);
  return wt;
}

export async function removeWorktree(repoPath: string, worktree: string): Promise<void> {
  const repo = await gitAt(repoPath);
  await repo.raw(['worktree', 'remove', '--force', '--force', worktree]).catch(() => undefined); // twice: it is locked
  await fs.rm(worktree, { recursive: true, force: true });
  await repo.raw(['worktree', 'prune']);
}
