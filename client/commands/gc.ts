import * as fs from 'node:fs';
import * as path from 'node:path';
import { Git } from '../../activities/git/git-process';
import { WorkflowNotFoundError } from '@temporalio/client';
import { defaultWorktreeRoot, runDir } from '../../activities/run-paths';
import { type Command, CONNECTION_FLAGS, connectionFrom, str } from '../args';
import { connectClient } from '../connection';
import { runWorkflowId } from '../start-run';

/** `flotilla gc`: removes worktrees that runs proven finished left behind (a crashed worker, a killed server, a stopped host). */
export const gcCommand: Command = {
  name: 'gc',
  summary: 'remove worktrees left behind by runs that are proven finished',
  details:
    'Worktrees are on the disk of the worker that made them: run gc on each host that runs a worker, with its worktree folder. ' +
    "A run's worktrees are removed only when the Temporal server says the run is closed, or when the server does not know the run " +
    'and its report.json (<repo>/.flotilla/runs/<runId>/) says it finished. Anything else is kept and listed with the reason. ' +
    'Removes nothing when the server cannot be reached (exit 1).',
  flags: {
    worktrees: {
      type: 'string',
      value: 'DIR',
      description: 'where the worktrees are',
      defaultText: 'FLOTILLA_WORKTREES, or $TMPDIR/flotilla-worktrees',
    },
    ...CONNECTION_FLAGS,
  },
  examples: ['flotilla gc', 'flotilla gc --worktrees /var/tmp/flotilla-worktrees'],
  run: gc,
};

/** The repository a worktree belongs to, from its .git file ("gitdir: <repo>/.git/worktrees/<name>"); null for anything else. */
function repoOf(wt: string): string | null {
  const gitFile = path.join(wt, '.git');
  if (!fs.existsSync(gitFile) || !fs.statSync(gitFile).isFile()) return null;
  const gitdir = fs
    .readFileSync(gitFile, 'utf8')
    .replace(/^gitdir:\s*/, '')
    .trim();
  return path.resolve(gitdir, '..', '..', '..');
}

/** A run's report.json that says it finished (written by the run's last step), or null. */
function finishedReport(repo: string, runId: string): string | null {
  const file = path.join(runDir(repo, runId), 'report.json');
  try {
    const status = (JSON.parse(fs.readFileSync(file, 'utf8')) as { status?: string }).status;
    return status && status !== 'running' ? file : null;
  } catch {
    return null;
  }
}

type Verdict = { remove: true; why: string } | { remove: false; why: string };

async function gc(args: Parameters<Command['run']>[0], out: (s: string) => void): Promise<number> {
  const root = str(args, 'worktrees') ?? defaultWorktreeRoot();
  const runs = fs.existsSync(root)
    ? fs.readdirSync(root).filter((n) => fs.statSync(path.join(root, n)).isDirectory())
    : [];
  let conn: Awaited<ReturnType<typeof connectClient>>;
  try {
    conn = await connectClient(connectionFrom(args));
  } catch {
    out(
      'No Temporal server reachable, so nothing is removed: a run may still be using its worktrees. Start the server (npx flotilla dev) and run gc again.',
    );
    return 1;
  }
  const { client, connection } = conn;
  /** Only a run proven finished is removed: closed on the server, or unknown to it with a finished report.json. */
  const verdict = async (runId: string, worktrees: string[]): Promise<Verdict> => {
    try {
      const d = await client.workflow.getHandle(runWorkflowId(runId)).describe();
      const status = d.status.name;
      if (status === 'RUNNING' || status === 'CONTINUED_AS_NEW' || status === 'PAUSED' || status === 'UNSPECIFIED')
        return { remove: false, why: `the run is ${status.toLowerCase().replace(/_/g, '-')} on the server` };
      return { remove: true, why: `the run is ${status.toLowerCase().replace(/_/g, '-')}` };
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError))
        return {
          remove: false,
          why: `the server could not say whether it is running (${err instanceof Error ? err.message.split('\n')[0] : String(err)})`,
        };
      const repos = [...new Set(worktrees.map(repoOf).filter((r): r is string => !!r))];
      for (const repo of repos) {
        const report = finishedReport(repo, runId);
        if (report) return { remove: true, why: `unknown to the server, and ${report} says it finished` };
      }
      return {
        remove: false,
        why: `unknown to the server (another namespace or server? ${repos.length ? 'no finished report.json in ' + repos.map((r) => runDir(r, runId)).join(', ') : 'no worktree names its repository'}), so it cannot be proven finished`,
      };
    }
  };
  let removed = 0;
  const kept: string[] = [];
  try {
    for (const runId of runs) {
      const dir = path.join(root, runId);
      const worktrees = fs.readdirSync(dir).map((name) => path.join(dir, name));
      const v = await verdict(runId, worktrees);
      if (!v.remove) {
        kept.push(`kept ${dir} (${worktrees.length} worktree(s)): ${v.why}`);
        continue;
      }
      for (const wt of worktrees) {
        const repo = repoOf(wt);
        if (repo) {
          await new Git(repo).raw(['worktree', 'remove', '--force', '--force', wt]).catch(() => undefined);
          await new Git(repo).raw(['worktree', 'prune']).catch(() => undefined);
        }
        fs.rmSync(wt, { recursive: true, force: true });
        out(`removed ${wt} (${v.why})`);
        removed++;
      }
      fs.rmSync(dir, { recursive: true, force: true });
    }
  } finally {
    await connection.close();
  }
  for (const k of kept) out(k);
  out(
    removed ? `Removed ${removed} leftover worktree(s) from ${root}.` : `No leftover worktrees to remove in ${root}.`,
  );
  return 0;
}
