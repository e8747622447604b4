/**
 * What keeps Flotilla's git from running a program the repository chose. Git runs programs named by config
 * (hooks, `core.fsmonitor`, filter and merge drivers, textconv, external diff, gpg) with the worker's rights,
 * outside the sandbox, in the worktree; and it runs a second git inside every submodule it checks, which reads
 * that submodule's own config. A sandboxed command can make a committed submodule path into a repository of
 * its own (config and all), and it edits every file of the worktree, so a program that config names by a
 * relative path (`./tools/clean.sh`, `python -m x`, `npx y`) is the repository's code even when the config is
 * the user's. So every command gets these settings, which outrank every config file (`-c` wins over system,
 * global, the repository's `.git/config` and what they include):
 */
export const NO_REPO_PROGRAMS: readonly string[] = [
  // Hooks: husky's `core.hooksPath` points into the work tree.
  'core.hooksPath=/dev/null',
  // A file-system monitor is a program git starts before it looks at the work tree.
  'core.fsmonitor=false',
  // Submodules and nested repositories are data: git never recurses into them, never asks them for their status.
  'submodule.recurse=false',
  'diff.ignoreSubmodules=all',
  'status.submoduleSummary=false',
  // A signed commit runs `gpg.program`, which an included config file could name.
  'commit.gpgSign=false',
];

/**
 * Flags after the subcommand: a `.gitmodules` in the worktree can say `ignore = none`, which outranks
 * `diff.ignoreSubmodules` but not the command line; textconv and external diff programs are config too.
 */
export function commandFlags(subcommand: string): string[] {
  switch (subcommand) {
    case 'status':
      return ['--ignore-submodules=all'];
    case 'diff':
      return ['--ignore-submodules=all', '--no-textconv', '--no-ext-diff'];
    case 'show':
    case 'log':
      return ['--no-textconv', '--no-ext-diff'];
    default:
      return [];
  }
}

/**
 * Commands that never read or write the work tree's files, so never run a filter or merge driver: they need no
 * driver list (which costs a git process, a few milliseconds). Any other command, present or future, gets one.
 * `read-tree` touches the work tree only with `-u`; `worktree prune`, `list`, `lock` and `unlock` never do.
 */
const NO_DRIVERS = new Set([
  'rev-parse',
  'update-ref',
  'for-each-ref',
  'ls-tree',
  'ls-files',
  'rev-list',
  'cat-file',
  'config',
  'symbolic-ref',
  'branch',
  'write-tree',
  'log',
  'show',
]);

export function mayRunDrivers(args: readonly string[]): boolean {
  const [subcommand = '', ...rest] = args;
  if (subcommand === 'read-tree') return rest.includes('-u');
  if (subcommand === 'worktree') return !['prune', 'list', 'lock', 'unlock'].includes(rest[0] ?? '');
  return !NO_DRIVERS.has(subcommand);
}

/**
 * Filter and merge drivers cannot be switched off by one setting, and `.gitattributes` (in the worktree, which
 * the change edits) may name any of them; but a driver only exists where config defines it, and config can be
 * listed. This asks git for every `filter.*` and `merge.*` key the command would see (includes followed), and
 * the include keys themselves (driver-list.ts keeps no list of a config that includes other files).
 */
export const DRIVER_QUERY: readonly string[] = [
  'config',
  '-z',
  '--name-only',
  '--get-regexp',
  '^(filter|merge|include|includeif)\\.',
];

/**
 * The settings that empty each listed driver: a filter with no command is no filter (and not `required`, which
 * would fail the command); a merge driver becomes `exit 1`, a conflict (run by git's own shell, no lookup in
 * the work tree), which Flotilla already handles. As name and value pairs (given to git as GIT_CONFIG_KEY_n and
 * GIT_CONFIG_VALUE_n, where a driver named `a=b` cannot split differently than git reads it).
 */
export function neutralisers(listing: string): Array<[string, string]> {
  const filters = new Set<string>();
  const merges = new Set<string>();
  for (const key of listing.split('\0')) {
    const m = /^(filter|merge)\.([^]+)\.[^.]+$/i.exec(key);
    if (!m) continue;
    (m[1].toLowerCase() === 'filter' ? filters : merges).add(m[2]);
  }
  const out: Array<[string, string]> = [];
  for (const name of filters)
    for (const [k, v] of [
      ['clean', ''],
      ['smudge', ''],
      ['process', ''],
      ['required', 'false'],
    ])
      out.push([`filter.${name}.${k}`, v]);
  for (const name of merges) out.push([`merge.${name}.driver`, 'exit 1']);
  return out;
}
