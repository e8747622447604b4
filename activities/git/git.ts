import { simpleGit, SimpleGit } from 'simple-git';

const FALLBACK_IDENTITY = ['user.name=Flotilla', 'user.email=flotilla@localhost'];

/**
 * A simple-git instance for `dir`. When the repository has no committer identity configured
 * (common on CI machines), Flotilla commits as "Flotilla <flotilla@localhost>".
 */
export async function gitAt(dir: string): Promise<SimpleGit> {
  const plain = simpleGit({ baseDir: dir });
  const email = await plain.raw(['config', '--get', 'user.email']).catch(() => '');
  if (email.trim()) return plain;
  return simpleGit({ baseDir: dir, config: FALLBACK_IDENTITY });
}

export const runBranch = (runId: string) => `flotilla/${runId}`;
export const backupRef = (runId: string) => `refs/flotilla/${runId}/backup`;
export const taskRef = (runId: string, taskId: string) => `refs/flotilla/${runId}/tasks/${taskId}`;

export function trailers(runId: string, taskId: string): string {
  return `Flotilla-Run: ${runId}\nFlotilla-Task: ${taskId}`;
}

/** The commit on `range` that carries this run's trailer for `taskId`, if any (makes commits idempotent). */
export async function findTaskCommit(git: SimpleGit, range: string, runId: string, taskId: string): Promise<string | null> {
  const out = await git.raw(['log', '--format=%H%x00%B%x01', range]);
  for (const entry of out.split('\x01')) {
    const [sha, body] = entry.trim().split('\x00');
    if (!sha || !body) continue;
    if (body.includes(`Flotilla-Run: ${runId}\n`) && new RegExp(`^Flotilla-Task: ${taskId}$`, 'm').test(body)) return sha;
  }
  return null;
}

/** Paths changed in the work tree (tracked edits and untracked files), repo-relative. */
export async function changedPaths(git: SimpleGit): Promise<string[]> {
  const status = await git.status();
  return [...new Set(status.files.map((f) => f.path))].sort();
}
