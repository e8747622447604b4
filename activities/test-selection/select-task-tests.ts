import * as fs from 'node:fs';
import * as path from 'node:path';
import { Git } from '../git/git-process';
import { packageScripts } from '../package-json';
import { readTextSafeSync } from '../safe-read';
import { chooseTestCommand, type TestChoice } from './narrow-command';
import { type RepoFiles, relatedGoPackages, relatedTestFiles } from './related-tests';

/** Files larger than this are not read for imports (generated bundles, data). */
const MAX_SOURCE_BYTES = 1_000_000;

/** The worktree's files as git sees them: tracked (deleted ones included) and new ones that are not ignored. */
async function worktreeFiles(worktree: string): Promise<RepoFiles> {
  const listed = await new Git(worktree).raw(['ls-files', '-z', '--cached', '--others', '--exclude-standard']);
  const files = [...new Set(listed.split('\0').filter(Boolean))];
  // Synchronous (the import graph asks file by file) but bounded: a regular file of at most MAX_SOURCE_BYTES.
  const read = (file: string) => {
    try {
      return readTextSafeSync(path.join(worktree, file), MAX_SOURCE_BYTES);
    } catch {
      return undefined; // deleted by the change, a link, a FIFO, too big: it imports nothing
    }
  };
  return { files, read };
}

/**
 * The command that tests a change to `changed` in `worktree`: the suite command `full` narrowed to the
 * related tests (see narrow-tests.ts), or the full suite with the reason.
 */
export async function selectTaskTests(worktree: string, full: string, changed: string[]): Promise<TestChoice> {
  let repo: RepoFiles;
  try {
    repo = await worktreeFiles(worktree);
  } catch (err) {
    return {
      command: full,
      selection: `full suite: could not list the worktree's files (${(err as Error).message.trim()})`,
    };
  }
  const deleted = changed.filter((f) => !fs.existsSync(path.join(worktree, f)));
  return chooseTestCommand(full, packageScripts(worktree), {
    changed,
    deleted,
    relatedTests: () => relatedTestFiles(repo, changed),
    goPackages: () => relatedGoPackages(repo, changed),
  });
}
