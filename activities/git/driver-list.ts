import { accessSync, constants } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';

/**
 * The driver list of a folder (repo-programs.ts' DRIVER_QUERY), asked of git once and then kept while the config
 * files git reads for that folder are unchanged: a git process per command that may touch the work tree doubled
 * the cost of each. The files: the system's, the user's two (`~/.gitconfig`, the XDG one), the repository's
 * `config` and the worktree's `config.worktree`, each by its `stat` (a missing file is a state too). A config
 * that includes other files (`include.path`, `includeIf`, whose conditions follow HEAD) is asked every time.
 */

type Ask = (args: string[]) => Promise<string>;

interface Kept {
  listing: string;
  /** The folder's git folder and common git folder, as `rev-parse` said when the list was asked for. */
  dirs: string[];
  stamp: string;
}

/** Folders kept at most (a long run's worktrees): past it the lists are forgotten and asked again. */
const MAX_KEPT = 2000;
const kept = new Map<string, Kept>();

/** The query's listing also names includes, so that a config with one is never kept. */
const INCLUDES = /(^|\0)include(if\.[^\0]*)?\.path(\0|$)/i;

async function stampOf(files: string[]): Promise<string> {
  const parts = await Promise.all(
    files.map((f) =>
      fs.stat(f).then(
        // A folder (a repository's own .git, whose times change with every index write) by its identity only.
        (s) => (s.isDirectory() ? `${f}:folder:${s.ino}` : `${f}:${s.ino}:${s.size}:${s.mtimeMs}:${s.ctimeMs}`),
        () => `${f}:none`,
      ),
    ),
  );
  return parts.join('\n');
}

/** The system config of the git on PATH: `/etc/gitconfig`, or `<prefix>/etc/gitconfig` for a git under a prefix. */
let systemFor: { PATH: string; files: string[] } | undefined;
function systemConfigs(): string[] {
  const PATH = process.env.PATH ?? '';
  if (systemFor?.PATH === PATH) return systemFor.files;
  const found = PATH.split(path.delimiter).find((d) => {
    try {
      accessSync(path.join(d, 'git'), constants.X_OK);
      return d !== '';
    } catch {
      return false;
    }
  });
  systemFor = {
    PATH,
    files: ['/etc/gitconfig', ...(found ? [path.join(path.dirname(path.resolve(found)), 'etc', 'gitconfig')] : [])],
  };
  return systemFor.files;
}

/** The files whose stat keeps a list: the config files git reads in `cwd`, and `cwd/.git` (a worktree added again, or taken over from the parking, has a new one, and maybe another git folder). */
function configFiles(cwd: string, dirs: string[]): string[] {
  const home = process.env.HOME ?? os.homedir();
  const xdg = process.env.XDG_CONFIG_HOME || path.join(home, '.config');
  return [
    ...systemConfigs(),
    path.join(home, '.gitconfig'),
    path.join(xdg, 'git', 'config'),
    ...dirs.flatMap((d) => [path.join(d, 'config'), path.join(d, 'config.worktree')]),
    path.join(cwd, '.git'),
  ];
}

/**
 * `ask` runs a git command in `cwd` (the query, or `rev-parse` for the git folders). `query` is the driver query,
 * whose pattern must also match `include` keys.
 */
export async function driverListing(cwd: string, query: string[], ask: Ask): Promise<string> {
  const k = kept.get(cwd);
  if (k && (await stampOf(configFiles(cwd, k.dirs))) === k.stamp) return k.listing;
  kept.delete(cwd);
  // Asked afresh: the git folders (not a repository yet: nothing is kept, every command asks), then the list.
  const dirs = await ask(['rev-parse', '--path-format=absolute', '--git-dir', '--git-common-dir']).then(
    (out) => out.split('\n').filter(Boolean),
    () => [],
  );
  if (!dirs.length) return ask(query);
  const files = configFiles(cwd, dirs);
  const before = await stampOf(files);
  const listing = await ask(query);
  // Kept only when nothing changed while git read it, and nothing is included from elsewhere.
  if (!INCLUDES.test(listing) && (await stampOf(files)) === before) {
    if (kept.size >= MAX_KEPT) kept.clear();
    kept.set(cwd, { listing, dirs, stamp: before });
  }
  return listing;
}
