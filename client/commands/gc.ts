import * as fs from 'node:fs';
import * as path from 'node:path';
import { simpleGit } from 'simple-git';
import { defaultWorktreeRoot } from '../../activities/run-paths';
import { Command, CONNECTION_FLAGS, connectionFrom, str } from '../args';
import { connectClient } from '../connection';
import { runWorkflowId } from '../start-run';

/** `flotilla gc`: removes worktrees that runs no longer running left behind (a crashed worker, a killed server). */
export const gcCommand: Command = {
  name: 'gc',
  summary: 'remove worktrees left behind by runs that are no longer running',
  details: 'Asks the Temporal server which runs are still going, and removes nothing when it cannot reach it (exit 1).',
  flags: {
    worktrees: { type: 'string', value: 'DIR', description: 'where the worktrees are', defaultText: 'FLOTILLA_WORKTREES, or $TMPDIR/flotilla-worktrees' },
    ...CONNECTION_FLAGS,
  },
  examples: ['flotilla gc', 'flotilla gc --worktrees /var/tmp/flotilla-worktrees'],
  run: gc,
};

async function gc(args: Parameters<Command['run']>[0], out: (s: string) => void): Promise<number> {
  const root = str(args, 'worktrees') ?? defaultWorktreeRoot();
  const runs = fs.existsSync(root) ? fs.readdirSync(root) : [];
  let conn: Awaited<ReturnType<typeof connectClient>>;
  try {
    conn = await connectClient(connectionFrom(args));
  } catch {
    out('No Temporal server reachable, so nothing is removed: a run may still be using its worktrees. Start the server (npx flotilla dev) and run gc again.');
    return 1;
  }
  const { client, connection } = conn;
  const isRunning = async (runId: string) => {
    const d = await client.workflow.getHandle(runWorkflowId(runId)).describe().catch(() => null);
    return d?.status.name === 'RUNNING';
  };
  let removed = 0;
  try {
    for (const runId of runs) {
      const dir = path.join(root, runId);
      if (await isRunning(runId)) continue;
      for (const name of fs.readdirSync(dir)) {
        const wt = path.join(dir, name);
        const gitFile = path.join(wt, '.git');
        if (fs.existsSync(gitFile) && fs.statSync(gitFile).isFile()) {
          // .git of a worktree: "gitdir: <repo>/.git/worktrees/<name>"
          const gitdir = fs.readFileSync(gitFile, 'utf8').replace(/^gitdir:\s*/, '').trim();
          const repo = path.resolve(gitdir, '..', '..', '..');
          await simpleGit(repo).raw(['worktree', 'remove', '--force', '--force', wt]).catch(() => undefined);
          await simpleGit(repo).raw(['worktree', 'prune']).catch(() => undefined);
        }
        fs.rmSync(wt, { recursive: true, force: true });
        out(`removed ${wt}`);
        removed++;
      }
      fs.rmSync(dir, { recursive: true, force: true });
    }
  } finally {
    await connection.close();
  }
  out(removed ? `Removed ${removed} leftover worktree(s) from ${root}.` : `No leftover worktrees in ${root}.`);
  return 0;
}
