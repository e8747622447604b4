import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { runGit } from './git-process';

/**
 * Serialises the administration of a repository's worktrees (`git worktree add/remove/prune/move`): git
 * keeps them in `<common dir>/worktrees/`, and two of these commands at once can see each other's
 * half-written entries (`fatal: failed to read .git/worktrees/TASK-0010/commondir`).
 *
 * Two levels: a promise chain per repository inside this process (no polling between the activities of one
 * worker), and a lock folder `<common dir>/flotilla-worktrees.lock` across processes (mkdir is atomic). The
 * holder writes its pid and host into it and touches it while it holds it; a lock whose holder is a dead
 * process on this host, or that nobody touched for STALE_MS (a crashed holder on another machine), is taken over.
 */

const LOCK_NAME = 'flotilla-worktrees.lock';
/** A lock nobody refreshed for this long is stale. Holders refresh it every REFRESH_MS. */
export const STALE_MS = 30_000;
const REFRESH_MS = 5_000;
/** Give up after this long (a live holder keeps a lock for a few git commands, not minutes). */
const WAIT_MS = 10 * 60_000;

const commonDirs = new Map<string, Promise<string>>();
const chains = new Map<string, Promise<unknown>>();

/** The repository's git common dir (where `worktrees/` lives), absolute; cached per repository path. */
export function gitCommonDir(repoPath: string): Promise<string> {
  let dir = commonDirs.get(repoPath);
  if (!dir) {
    dir = runGit(repoPath, ['rev-parse', '--path-format=absolute', '--git-common-dir'], { strict: true }).then((r) =>
      r.trim(),
    );
    dir.catch(() => commonDirs.delete(repoPath));
    commonDirs.set(repoPath, dir);
  }
  return dir;
}

interface Owner {
  pid: number;
  host: string;
  token: string;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Whether the lock folder is left by a holder that is gone: a dead process here, or no refresh for STALE_MS. */
async function stale(lock: string): Promise<{ token?: string } | null> {
  const stat = await fs.stat(lock).catch(() => null);
  if (!stat) return null; // released meanwhile: just try again
  const owner = await fs
    .readFile(path.join(lock, 'owner.json'), 'utf8')
    .then((t) => JSON.parse(t) as Owner)
    .catch(() => null);
  if (owner && owner.host === os.hostname() && !alive(owner.pid)) return { token: owner.token };
  // No owner file yet: the holder is between its mkdir and its write; only age makes it stale.
  if (Date.now() - stat.mtimeMs > STALE_MS) return { token: owner?.token };
  return null;
}

/** Takes over a stale lock: renamed away (atomic; only one contender wins) if it is still the one judged stale. */
async function breakLock(lock: string, judged: { token?: string }): Promise<void> {
  const now = await fs
    .readFile(path.join(lock, 'owner.json'), 'utf8')
    .then((t) => (JSON.parse(t) as Owner).token)
    .catch(() => undefined);
  if (now !== judged.token) return; // someone else took it over and holds it now
  const trash = `${lock}.stale-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}`;
  if (
    await fs.rename(lock, trash).then(
      () => true,
      () => false,
    )
  )
    await fs.rm(trash, { recursive: true, force: true });
}

async function acquire(lock: string): Promise<() => Promise<void>> {
  const token = `${os.hostname()}:${process.pid}:${Date.now()}:${Math.random().toString(36).slice(2)}`;
  const started = Date.now();
  for (let i = 0; ; i++) {
    try {
      await fs.mkdir(lock);
      await fs.writeFile(
        path.join(lock, 'owner.json'),
        JSON.stringify({ pid: process.pid, host: os.hostname(), token } satisfies Owner),
      );
      const timer = setInterval(() => {
        const t = new Date();
        fs.utimes(lock, t, t).catch(() => undefined);
      }, REFRESH_MS);
      timer.unref();
      return async () => {
        clearInterval(timer);
        const mine = await fs
          .readFile(path.join(lock, 'owner.json'), 'utf8')
          .then((t) => (JSON.parse(t) as Owner).token === token)
          .catch(() => false);
        if (mine) await fs.rm(lock, { recursive: true, force: true });
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const judged = await stale(lock);
    if (judged) {
      await breakLock(lock, judged);
      continue;
    }
    if (Date.now() - started > WAIT_MS)
      throw new Error(
        `timed out after ${WAIT_MS / 1000} s waiting for ${lock} (held by another Flotilla worker; remove it if none is running)`,
      );
    await new Promise((r) => setTimeout(r, Math.min(200, 5 + 5 * i) + Math.random() * 20));
  }
}

/** Runs `f` holding the repository's worktree-administration lock (in this process, then across processes). */
export async function withWorktreeAdmin<T>(repoPath: string, f: () => Promise<T>): Promise<T> {
  const common = await gitCommonDir(repoPath);
  const before = chains.get(common) ?? Promise.resolve();
  const mine = before.then(async () => {
    const release = await acquire(path.join(common, LOCK_NAME));
    try {
      return await f();
    } finally {
      await release();
    }
  });
  const tail = mine.catch(() => undefined);
  chains.set(common, tail);
  void tail.then(() => {
    if (chains.get(common) === tail) chains.delete(common);
  });
  return mine;
}
