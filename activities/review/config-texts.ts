import * as path from 'node:path';
import type { Git } from '../git/git';
import { readTextSafe } from '../safe-read';
import type { FileDiff } from './diff';
import { type ConfigText, SHARED_CONFIG } from './test-config';

/** package.json and the like are not read past this. */
const MAX_CONFIG_BYTES = 4 * 1024 * 1024;

/**
 * Before (at the task's base) and after (in its worktree) of each changed file that has a test part
 * (package.json, pyproject.toml, setup.cfg, tox.ini), and of the root package.json always (the files its test
 * scripts run), for the review's test-config check. A side that is missing or cannot be read safely (a FIFO,
 * a link) is null.
 */
export async function configTextsOf(
  git: Git,
  worktree: string,
  baseSha: string,
  files: FileDiff[],
): Promise<Record<string, ConfigText>> {
  const out: Record<string, ConfigText> = {};
  const root: FileDiff = { path: 'package.json', status: 'modified', hunks: [] };
  const wanted = [
    ...files.filter((f) => SHARED_CONFIG.test(f.path)),
    ...(files.some((f) => f.path === 'package.json') ? [] : [root]),
  ];
  for (const f of wanted) {
    const before = await git.raw(['show', `${baseSha}:${f.oldPath ?? f.path}`]).catch(() => null);
    const after = await readTextSafe(path.join(worktree, f.path), MAX_CONFIG_BYTES).catch(() => null);
    out[f.path] = { before, after };
  }
  return out;
}
