import * as fs from 'node:fs';
import * as path from 'node:path';
import { simpleGit } from 'simple-git';
import { defaultWorktreeRoot } from '../../activities/run-paths';
import { ParsedArgs, stringFlag } from '../args';
import { connectClient } from '../connection';
import { runWorkflowId } from '../start-run';

/** `flotilla gc`: removes worktrees that runs no longer running left behind (a crashed worker, a killed server). */
export async function gcCommand(args: ParsedArgs, out: (s: string) => void): Promise<number> {
  const root = stringFlag(args, 'worktrees') ?? defaultWorktreeRoot();
  const runs = fs.existsSync(root) ? fs.readdirSync(root) : [];
  let isRunning: (runId: string) => Promise<boolean> = async () => false;
  let close = async () => undefined as void;
  try {
    const { client, connection } = await connectClient(stringFlag(args, 'address'));
    close = () => connection.close();
    isRunning = async (runId) => {
      const d = await client.workflow.getHandle(runWorkflowId(runId)).describe().catch(() => null);
      return d?.status.name === 'RUNNING';
    };
  } catch {
    out('No Temporal server reachable: removing only worktrees of runs that wrote report.json.');
    isRunning = async () => true;
  }
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
          await simpleGit(repo).raw(['worktree', 'remove', '--force', wt]).catch(() => undefined);
          await simpleGit(repo).raw(['worktree', 'prune']).catch(() => undefined);
        }
        fs.rmSync(wt, { recursive: true, force: true });
        out(`removed ${wt}`);
        removed++;
      }
      fs.rmSync(dir, { recursive: true, force: true });
    }
  } finally {
    await close();
  }
  out(removed ? `Removed ${removed} leftover worktree(s) from ${root}.` : `No leftover worktrees in ${root}.`);
  return 0;
}
