import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import * as fs from 'node:fs';
import { bwrapArgs, bwrapAvailability } from '../activities/sandbox';
import { shellJoin } from '../activities/test-selection/shell-words';
import { commandEnv } from '../activities/test-runs/run-shell';

/** What an analyser printed, or why it did not run. */
export type AnalyserRun =
  | ({ ran: true } & Pick<SpawnSyncReturns<string>, 'status' | 'stdout' | 'stderr' | 'error'>)
  | { ran: false; reason: string };

/**
 * Runs a repository's own analyser (its `node_modules/.bin/eslint` and the config that ESLint loads as code,
 * its `.venv/bin/ruff`) the way Flotilla runs its tests: in the sandbox (activities/sandbox: no network, no
 * other folder writable, home and temp folders hidden, the environment without credentials), and with the
 * repository itself read-only too, since an analyser only reads. Without a working sandbox it does not run at
 * all: a repository's program never runs with the user's rights and environment.
 */
export function runAnalyser(repo: string, bin: string, args: string[], timeoutMs: number): AnalyserRun {
  const sandbox = bwrapAvailability();
  if (!sandbox.ok)
    return {
      ran: false,
      reason: `the sandbox is not available here (${sandbox.reason}), and a repository's own linter runs only in it`,
    };
  const wrapped = bwrapArgs({ command: shellJoin([bin, ...args]), cwd: repo, network: false });
  // bubblewrap's options end at `--` (the command follows): the repository, writable for tests, is read-only here.
  wrapped.splice(wrapped.indexOf('--'), 0, '--remount-ro', fs.realpathSync(repo));
  const r = spawnSync(sandbox.path, wrapped, {
    cwd: repo,
    env: commandEnv(),
    encoding: 'utf8',
    maxBuffer: 512 * 1024 * 1024,
    timeout: timeoutMs,
    killSignal: 'SIGKILL',
  });
  return { ran: true, status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '', error: r.error };
}
