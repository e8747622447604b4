import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { gitCommonDir } from './admin-lock';

/** The worktree's own git dir (`<common>/worktrees/<name>`), from its `.git` file; null when it has none. */
export async function worktreeGitDir(worktree: string): Promise<string | null> {
  const text = await fs.readFile(path.join(worktree, '.git'), 'utf8').catch(() => null);
  const m = text && /^gitdir:\s*(.+)$/m.exec(text);
  return m ? path.resolve(worktree, m[1].trim()) : null;
}

/** The repository's `worktrees/` folder (in its common git dir, real path), where each worktree's registration lives. */
async function registrationsDir(repoPath: string): Promise<string> {
  const common = await gitCommonDir(repoPath);
  return path.join(await fs.realpath(common).catch(() => common), 'worktrees');
}

/**
 * The worktree's registration in `repoPath` (its folder `<common>/worktrees/<name>`, real path), only when it
 * is really this worktree's: the `.git` file lives in the worktree, where a task's tests could rewrite it to
 * name another worktree's registration or any folder, so the registration must be in this repository's
 * `worktrees/` and its `gitdir` file must name this worktree back (or `registeredAt`, where the folder was
 * before it moved). Null otherwise.
 */
export async function ownRegistration(
  repoPath: string,
  worktree: string,
  registeredAt = worktree,
): Promise<string | null> {
  const named = await worktreeGitDir(worktree);
  const admin = named && (await fs.realpath(named).catch(() => null));
  if (!admin) return null;
  if (path.dirname(admin) !== (await registrationsDir(repoPath))) return null;
  const back = (await fs.readFile(path.join(admin, 'gitdir'), 'utf8').catch(() => '')).trim();
  if (!back) return null;
  // A folder that just moved (registeredAt, gone) compares by path; one in place, by real path.
  const real = (p: string) => fs.realpath(p).catch(() => path.resolve(p));
  const [a, b] = await Promise.all([real(path.dirname(back)), real(registeredAt)]);
  return a === b ? admin : null;
}

/** Points a registration and its worktree at each other after the worktree's folder moved to `worktree` (what `git worktree move` writes). */
export async function relink(admin: string, worktree: string): Promise<void> {
  await writeAtomically(path.join(admin, 'gitdir'), `${path.join(worktree, '.git')}\n`);
  await writeAtomically(path.join(worktree, '.git'), `gitdir: ${admin}\n`);
}

/** Written beside and renamed over: a worker killed mid-write leaves the old file or the new one, never half of one. */
async function writeAtomically(file: string, text: string): Promise<void> {
  const tmp = `${file}.${process.pid}.tmp`;
  await fs.writeFile(tmp, text);
  await fs.rename(tmp, file);
}

/**
 * The registrations (`<common>/worktrees/<name>` folders) of every worktree at `target` or inside it, read from
 * their `gitdir` files (git's documented layout, gitrepository-layout(5)): no git process, and the files read
 * are in the repository's git folder, not in the worktrees.
 */
export async function registrationsUnder(repoPath: string, target: string): Promise<string[]> {
  const dir = await registrationsDir(repoPath);
  const roots = [...new Set([path.resolve(target), await fs.realpath(target).catch(() => path.resolve(target))])];
  const inside = (p: string) => roots.some((r) => p === r || p.startsWith(r + path.sep));
  const out: string[] = [];
  for (const name of await fs.readdir(dir).catch(() => [] as string[])) {
    const back = (await fs.readFile(path.join(dir, name, 'gitdir'), 'utf8').catch(() => '')).trim();
    if (back && inside(path.dirname(path.resolve(dir, name, back)))) out.push(path.join(dir, name));
  }
  return out;
}
