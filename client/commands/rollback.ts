import * as fs from 'node:fs';
import * as path from 'node:path';
import { Git } from '../../activities/git/git-process';
import { runDir } from '../../activities/run-paths';
import { type Command, CONNECTION_FLAGS, connectionFrom, type ParsedArgs, str, UsageError } from '../args';
import { fetchRunReport } from '../read-report';

/** The run's repository: --repo, else asked of the run itself (which also tells whether it is still going). */
async function repoOf(args: ParsedArgs, runId: string): Promise<string> {
  const given = str(args, 'repo');
  if (given) return path.resolve(given);
  const report = await fetchRunReport(connectionFrom(args), runId);
  if (['starting', 'planning', 'running', 'paused'].includes(report.status)) {
    throw new UsageError(
      `run ${runId} is still ${report.status}; stop it first with: flotilla abort ${runId} --rollback`,
      false,
    );
  }
  return report.repoPath;
}

/** `flotilla rollback RUN_ID [--repo DIR]`: moves the run branch back to its backup ref and lists exactly what it removed. */
export const rollbackCommand: Command = {
  name: 'rollback',
  summary: "reset a finished run's branch to its base (the backup ref), listing the commits it removed",
  details:
    'Without --repo it asks the Temporal server for the run (which also says whether it is still going). ' +
    'It moves the branch in the repository itself, not in a worktree: run it on any host that sees the repository at the path the run was given.',
  positionals: [{ name: 'RUN_ID', description: 'the run (flotilla runs lists them)' }],
  flags: {
    repo: {
      type: 'string',
      value: 'DIR',
      description: "the run's repository (then no server is needed)",
      defaultText: 'asked of the run',
    },
    ...CONNECTION_FLAGS,
  },
  examples: ['flotilla rollback 20250101-120000-ab12', 'flotilla rollback 20250101-120000-ab12 --repo ../my-repo'],
  run: rollback,
};

async function rollback(args: ParsedArgs, out: (s: string) => void): Promise<number> {
  const runId = args.positionals[0];
  const repo = await repoOf(args, runId);
  const git = new Git(repo);
  const branch = `flotilla/${runId}`;
  const backup = (
    await git.raw(['rev-parse', '--verify', '--quiet', `refs/flotilla/${runId}/backup`]).catch(() => '')
  ).trim();
  if (!backup)
    throw new Error(
      `${repo} has no backup ref for run ${runId} (refs/flotilla/${runId}/backup); nothing to roll back.`,
    );
  const tip = (await git.raw(['rev-parse', '--verify', '--quiet', `refs/heads/${branch}`]).catch(() => '')).trim();
  if (!tip) throw new Error(`${repo} has no branch ${branch}; nothing to roll back.`);
  const head = (await git.raw(['symbolic-ref', '-q', 'HEAD']).catch(() => '')).trim();
  if (head === `refs/heads/${branch}`)
    throw new Error(
      `${branch} is checked out in ${repo}; check out another branch first so your working tree is not changed under you.`,
    );
  const removed = (await git.raw(['log', '--format=%h %s', `${backup}..${tip}`])).trim();
  if (!removed) {
    out(`${branch} is already at its base ${backup.slice(0, 10)}; nothing removed.`);
    return 0;
  }
  await git.raw(['update-ref', '-m', `flotilla rollback ${runId}`, `refs/heads/${branch}`, backup, tip]);
  const record = path.join(runDir(repo, runId), 'rollbacks.log');
  fs.mkdirSync(path.dirname(record), { recursive: true });
  fs.appendFileSync(record, `${new Date().toISOString()} ${branch} ${tip} -> ${backup}\n${removed}\n\n`);
  out(
    `Rolled ${branch} back from ${tip.slice(0, 10)} to its base ${backup.slice(0, 10)}. Removed ${removed.split('\n').length} commit(s):`,
  );
  for (const line of removed.split('\n')) out(`  ${line}`);
  out(`Undo this with: git -C ${repo} update-ref refs/heads/${branch} ${tip}   (recorded in ${record})`);
  return 0;
}
