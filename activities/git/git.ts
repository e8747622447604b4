import { Git } from './git-process';

export { Git, GitError } from './git-process';

const FALLBACK_IDENTITY = ['user.name=Flotilla', 'user.email=flotilla@localhost'];

/**
 * git in `dir`. When the repository has no committer identity configured
 * (common on CI machines), Flotilla commits as "Flotilla <flotilla@localhost>".
 */
export async function gitAt(dir: string): Promise<Git> {
  return new Git(dir, (await hasIdentity(dir)) ? [] : FALLBACK_IDENTITY);
}

/** Whether `dir`'s git config names a committer, remembered for IDENTITY_TTL_MS (one `git config` per folder, not per activity). */
const IDENTITY_TTL_MS = 60_000;
const identities = new Map<string, { at: number; has: Promise<boolean> }>();
function hasIdentity(dir: string): Promise<boolean> {
  const known = identities.get(dir);
  if (known && Date.now() - known.at < IDENTITY_TTL_MS) return known.has;
  const has = Promise.resolve()
    .then(() => new Git(dir).raw(['config', '--get', 'user.email']))
    .then(
      (email) => !!email.trim(),
      () => false,
    );
  if (identities.size > 1000) identities.clear();
  identities.set(dir, { at: Date.now(), has });
  return has;
}

export const runBranch = (runId: string) => `flotilla/${runId}`;
export const backupRef = (runId: string) => `refs/flotilla/${runId}/backup`;
export const taskRef = (runId: string, taskId: string) => `refs/flotilla/${runId}/tasks/${taskId}`;

/** `git commit` arguments that add the run's trailers through git's own trailer support (the final block). */
export function trailerArgs(runId: string, taskId: string): string[] {
  return ['--trailer', `Flotilla-Run: ${runId}`, '--trailer', `Flotilla-Task: ${taskId}`];
}

/**
 * Text from a title or an agent's summary, made unable to forge a trailer: a line that looks like one of
 * Flotilla's trailers loses its colon, and a title is one line.
 */
export function withoutTrailers(text: string, oneLine = false): string {
  if (oneLine) return text.replace(/\s*[\r\n]+\s*/g, ' ').replace(/\b(flotilla-[\w-]*)\s*:/gi, '$1 -');
  return text.replace(/^(\s*flotilla-[\w-]*)\s*:/gim, '$1 -');
}

/** This run's trailers of a commit, read by git from the message's final trailer block only. */
const TRAILER_FORMAT =
  '%H%x00%(trailers:key=Flotilla-Run,valueonly,separator=%x2C)%x00%(trailers:key=Flotilla-Task,valueonly,separator=%x2C)%x01';

/** One `git log --format=TRAILER_FORMAT` entry: the commit and its run and task trailers. */
function trailersOf(entry: string): { sha: string; run?: string; task?: string } {
  const [sha, run, task] = entry.replace(/\x01/g, '').trim().split('\x00');
  return { sha, run: run?.trim(), task: task?.trim() };
}

function carries(entry: string, runId: string, taskId: string): string | null {
  const t = trailersOf(entry);
  return t.sha && t.run === runId && t.task === taskId ? t.sha : null;
}

/** This run's task commits on `range`, by task id (the newest when a task has several), read by one `git log`. */
export async function taskCommits(git: Git, range: string, runId: string): Promise<Map<string, string>> {
  const out = await git.raw(['log', `--format=${TRAILER_FORMAT}`, range]);
  const found = new Map<string, string>();
  for (const entry of out.split('\x01')) {
    const t = trailersOf(entry);
    if (t.sha && t.run === runId && t.task && !found.has(t.task)) found.set(t.task, t.sha);
  }
  return found;
}

/** Whether `commit` carries this run's trailers for `taskId` (in its final trailer block). */
export async function hasTaskTrailers(git: Git, commit: string, runId: string, taskId: string): Promise<boolean> {
  return !!carries(await git.raw(['log', '-1', `--format=${TRAILER_FORMAT}`, commit]), runId, taskId);
}

/** Paths changed in the work tree (tracked edits and untracked files), repo-relative. */
export async function changedPaths(git: Git): Promise<string[]> {
  // -z entries are "XY path"; a rename or copy is followed by its source path, which is not a change of its own.
  const entries = (await git.raw(['status', '--porcelain=v1', '-z', '--untracked-files=all'])).split('\0');
  const paths: string[] = [];
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i];
    if (e.length < 4) continue;
    paths.push(e.slice(3));
    if (/[RC]/.test(e.slice(0, 2))) i++;
  }
  return [...new Set(paths)].sort();
}
