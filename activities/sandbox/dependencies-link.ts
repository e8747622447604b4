import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * The run's shared dependencies, as Flotilla chooses them, never as a link in a worktree says: the first of
 * `candidates` (the repository's own node_modules, then the one the install command made in the run's
 * worktree) that is a real folder, resolved to its real path. A repository command can replace a worktree's
 * node_modules with a link to $HOME or to another run's worktree, and a repository can commit such a link;
 * neither changes what this returns. A candidate that is itself a link (the demo repository's, to Flotilla's
 * own node_modules) counts only outside `excluded` (the worktrees, where repository commands write) and when it
 * leads to a folder named node_modules outside them too.
 */
export function chooseDependencies(candidates: string[], excluded: string[] = []): string | undefined {
  for (const c of candidates) {
    let st: fs.Stats;
    try {
      st = fs.lstatSync(c);
    } catch {
      continue;
    }
    try {
      if (st.isDirectory()) return path.join(fs.realpathSync(path.dirname(c)), path.basename(c));
      if (!st.isSymbolicLink()) continue;
      const target = fs.realpathSync(c);
      const inExcluded = (p: string) =>
        excluded.some((e) => {
          const r = fs.realpathSync(e);
          return p === r || p.startsWith(r + path.sep);
        });
      if (inExcluded(path.join(fs.realpathSync(path.dirname(c)), path.basename(c))) || inExcluded(target)) continue;
      if (path.basename(target) === 'node_modules' && fs.statSync(target).isDirectory()) return target;
    } catch {
      continue;
    }
  }
  return undefined;
}

/**
 * Before each command in a worktree: `<cwd>/node_modules` becomes a link to `dependencies` again, whatever the
 * last command (or the commit) left there. A real node_modules folder in the worktree (vendored, or the run's
 * own install) is the worktree's and stays; so does everything when `dependencies` is the worktree's own.
 */
export function resetDependencyLink(cwd: string, dependencies: string | undefined): void {
  const link = path.join(cwd, 'node_modules');
  let st: fs.Stats | undefined;
  try {
    st = fs.lstatSync(link);
  } catch {
    st = undefined;
  }
  if (st?.isDirectory()) return;
  if (st) fs.rmSync(link, { force: true });
  if (!dependencies) return;
  if (path.dirname(dependencies) === (safeReal(cwd) ?? cwd)) return;
  fs.symlinkSync(dependencies, link, 'dir');
}

function safeReal(p: string): string | null {
  try {
    return fs.realpathSync(p);
  } catch {
    return null;
  }
}
