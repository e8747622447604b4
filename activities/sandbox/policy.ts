import { AsyncLocalStorage } from 'node:async_hooks';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { SandboxMode } from '../../core/types';
import { integrationWorktree, runDir } from '../run-paths';
import { bwrapAvailability } from './bwrap';
import { atLeastFloor } from './floor';

/** How the commands of one run are sandboxed (from --sandbox and --sandbox-network). */
export interface SandboxPolicy {
  mode: SandboxMode;
  /** Commands may use the whole network (without it, the install command still reaches registries through the worker's proxy). */
  network: boolean;
  /** Folders holding every worktree of this worker: hidden from a command, except its own worktree. */
  hide?: string[];
  /** Where the run's shared node_modules may be, in order (see dependencies-link.ts). */
  dependencies?: string[];
  /** The run's build caches (build-caches.ts: Go's), written by its sandboxed commands and kept across them. */
  caches?: string;
}

export const DEFAULT_POLICY: SandboxPolicy = { mode: 'auto', network: false };

const current = new AsyncLocalStorage<SandboxPolicy>();

/** Runs `fn` with `policy` for every command runShell starts inside it (activities wrap their body in this). */
export function withSandboxPolicy<T>(policy: SandboxPolicy, fn: () => Promise<T>): Promise<T> {
  return current.run(policy, fn);
}

/** The policy of the activity this runs in; outside any, the default: sandboxed when possible, no network. */
export function currentSandboxPolicy(): SandboxPolicy {
  return current.getStore() ?? DEFAULT_POLICY;
}

/** What a run's sandbox is: recorded at the start of the run (sandbox.json in its folder) for reports and the CLI. */
export interface SandboxRecord {
  mode: SandboxMode;
  network: boolean;
  /** Whether commands run in the sandbox on the worker that started the run. */
  sandboxed: boolean;
  /** Why not, when they do not; or what the sandbox is. */
  detail: string;
}

const recordPath = (repoPath: string, runId: string) => path.join(runDir(repoPath, runId), 'sandbox.json');

/** What the sandbox of a run with these settings is on this machine. */
export function describeSandbox(mode: SandboxMode = 'auto', network = false): SandboxRecord {
  if (mode === 'off')
    return {
      mode,
      network,
      sandboxed: false,
      detail: "the sandbox is off (--sandbox off): repository commands run with the worker's own access",
    };
  const bwrap = bwrapAvailability();
  if (!bwrap.ok)
    return {
      mode,
      network,
      sandboxed: false,
      detail: `bubblewrap is not available (${bwrap.reason}): repository commands run with the worker's own access`,
    };
  return {
    mode,
    network,
    sandboxed: true,
    detail: `bubblewrap ${bwrap.version}: writes only to the task's worktree, own PID namespace, ${network ? 'network allowed (--sandbox-network)' : 'no network'}`,
  };
}

export function writeSandboxRecord(repoPath: string, runId: string, record: SandboxRecord): void {
  fs.mkdirSync(path.dirname(recordPath(repoPath, runId)), { recursive: true });
  fs.writeFileSync(recordPath(repoPath, runId), JSON.stringify(record, null, 2) + '\n');
}

export function readSandboxRecord(repoPath: string, runId: string): SandboxRecord | undefined {
  try {
    return JSON.parse(fs.readFileSync(recordPath(repoPath, runId), 'utf8')) as SandboxRecord;
  } catch {
    return undefined;
  }
}

/**
 * Runs an activity's body with its run's sandbox policy (read from sandbox.json, written when the run started;
 * a run started before there was one gets the default), never below the worker's floor (floor.ts); the worker's
 * worktree folder hidden; and the places the run's dependencies may be (the repository's node_modules, the one
 * installed in the run's worktree), which runShell resolves itself before each command.
 */
export function inRunSandbox<T>(
  a: { repoPath: string; runId: string },
  worktreeRoot: string,
  fn: () => Promise<T>,
): Promise<T> {
  const record = readSandboxRecord(a.repoPath, a.runId);
  const policy: SandboxPolicy = {
    mode: atLeastFloor(record?.mode ?? DEFAULT_POLICY.mode),
    network: record?.network ?? DEFAULT_POLICY.network,
    hide: [worktreeRoot],
    dependencies: [
      path.join(a.repoPath, 'node_modules'),
      path.join(integrationWorktree(worktreeRoot, a.runId), 'node_modules'),
    ],
    caches: path.join(runDir(a.repoPath, a.runId), 'caches'),
  };
  return withSandboxPolicy(policy, fn);
}
