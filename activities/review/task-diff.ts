import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { runGit } from '../git/git-process';

/** A diff larger than this is not read (the reviewer could not take it anyway). */
const MAX_DIFF_BYTES = 64 * 1024 * 1024;

/**
 * The diff of `files` in a worktree against `baseSha`, new and deleted files included, without touching
 * the worktree's own index: the files are staged into a throwaway index. With `functionContext`, every hunk
 * carries the whole function around it.
 */
export async function worktreeDiff(
  worktree: string,
  baseSha: string,
  files: string[],
  opts: { functionContext?: boolean } = {},
): Promise<string> {
  if (!files.length) return '';
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'flotilla-review-'));
  const env = { GIT_INDEX_FILE: path.join(dir, 'index') };
  const git = (args: string[]) => runGit(worktree, args, { env, strict: true, maxBuffer: MAX_DIFF_BYTES });
  try {
    await git(['read-tree', baseSha]);
    // Only paths that exist now or existed at the base (an edited file may have been created and removed again).
    const tracked = new Set(
      (await git(['ls-tree', '-r', '--name-only', baseSha, '--', ...files])).split('\n').filter(Boolean),
    );
    const present = await Promise.all(
      files.map((f) =>
        fs.access(path.join(worktree, f)).then(
          () => true,
          () => false,
        ),
      ),
    );
    const paths = files.filter((f, i) => present[i] || tracked.has(f));
    if (!paths.length) return '';
    await git(['add', '-A', '--', ...paths]);
    // --function-context: each hunk shows the whole function it is in (the reviewer judges behaviour, not lines).
    return await git([
      'diff',
      '--cached',
      '--no-color',
      '--no-ext-diff',
      '-M',
      ...(opts.functionContext ? ['--function-context'] : []),
      baseSha,
      '--',
      ...paths,
    ]);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

/** A commit's diff (its parent to it), the tasks/ folder aside. */
export async function commitDiff(repo: string, commit: string): Promise<string> {
  return runGit(
    repo,
    ['show', '--no-color', '--no-ext-diff', '-M', '--format=', commit, '--', '.', ':(exclude)tasks/'],
    { strict: true, maxBuffer: MAX_DIFF_BYTES },
  );
}
