import { type ChildProcess, spawn, type SpawnOptions } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cancellationSignal } from '../activity-context';
import { ApplicationFailure } from '@temporalio/common';
import { failingTests } from './failing-tests';
import { capFor, cappedLogEnding } from './log-cap';
import { redact, stripUrlCredentials } from '../redact';
import { bwrapArgs, bwrapAvailability, currentSandboxPolicy, type SandboxPolicy } from '../sandbox';
import { buildCaches } from '../sandbox/build-caches';
import { commandEnvFrom } from '../sandbox/child-env';
import { type InstallProxy, startInstallProxy, throughProxy } from '../sandbox/install-proxy';
import { chooseDependencies, resetDependencyLink } from '../sandbox/dependencies-link';

export interface CommandResult {
  command: string;
  exitCode: number;
  passed: boolean;
  failingTests: string[];
  /** The last lines of the output, for error messages and the agent's feedback. */
  tail: string;
  logPath: string;
  durationMs: number;
  /** False when the command ran without the sandbox (--sandbox off, or auto without bubblewrap). */
  sandboxed?: boolean;
}

/** Output kept in memory per command: the first and the last this many characters (the log file has it all). */
export const KEPT_HEAD_CHARS = 256 * 1024;
export const KEPT_TAIL_CHARS = 256 * 1024;
/** Lines longer than this are cut before failing-test extraction (test names are short). */
const MAX_SCAN_LINE = 4096;
/** After the command exits, how long its output pipes may stay open (a background process holding them). */
const DRAIN_MS = 2000;

/** Environment for commands Flotilla runs in a worktree: an allow-list (sandbox/child-env.ts), non-interactive. */
export function commandEnv(): NodeJS.ProcessEnv {
  // No value that holds the worker's key (registered, or in ANTHROPIC_API_KEY) or anything shaped like one.
  return commandEnvFrom(process.env, (v) => redact(v) !== stripUrlCredentials(v));
}

/** The last `max` characters of a stream of text, in bounded memory. */
class TailBuffer {
  private chunks: string[] = [];
  private size = 0;
  constructor(private readonly max: number) {}
  push(s: string): void {
    this.chunks.push(s);
    this.size += s.length;
    while (this.size - this.chunks[0].length >= this.max) this.size -= this.chunks.shift()!.length;
  }
  text(): string {
    const all = this.chunks.join('');
    return all.length > this.max ? all.slice(-this.max) : all;
  }
}

/** Process groups of commands still running: killed when the worker process exits, whatever the reason. */
const live = new Set<number>();
let exitHookInstalled = false;
function track(pid: number): void {
  live.add(pid);
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const p of live) killGroup(p);
  });
}

function killGroup(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    /* already gone */
  }
}

/** How a command is started: in the sandbox, or (auto without bubblewrap, off) as a plain shell. */
function launch(
  command: string,
  cwd: string,
  policy: SandboxPolicy,
  network: boolean,
  writable?: string[],
  proxy?: InstallProxy,
): { child: ChildProcess; sandboxed: boolean; note?: string } {
  const env = commandEnv();
  const options: SpawnOptions = { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] };
  // The dependencies Flotilla chose, resolved now; the worktree's link to them made again (a command may have moved it).
  const dependencies = chooseDependencies(policy.dependencies ?? [], policy.hide);
  if (policy.dependencies) resetDependencyLink(cwd, dependencies);
  if (policy.mode !== 'off') {
    const bwrap = bwrapAvailability();
    if (bwrap.ok) {
      // Build caches kept across the run's commands (Go's), its module cache read-only (build-caches.ts).
      const caches = buildCaches(policy.caches);
      Object.assign(env, caches.env);
      writable = [...(writable ?? []), ...caches.writable];
      const readOnly = caches.readOnly;
      // An install's network is the worker's proxy (install-proxy.ts), not the host's network.
      const args = proxy
        ? bwrapArgs({
            command: throughProxy(command, proxy.socket),
            cwd,
            network: false,
            hide: policy.hide,
            writable,
            readOnly,
            dependencies,
            sockets: [proxy.socket],
          })
        : bwrapArgs({ command, cwd, network, hide: policy.hide, writable, readOnly, dependencies });
      return { child: spawn(bwrap.path, args, options), sandboxed: true };
    }
    if (policy.mode === 'required') {
      throw ApplicationFailure.nonRetryable(
        `--sandbox required, but the sandbox is not available on this worker: ${bwrap.reason}. Install bubblewrap, or start the run with --sandbox auto (or off).`,
        'RepoError',
      );
    }
    return {
      child: spawn('sh', ['-c', command], options),
      sandboxed: false,
      note: `# NOT sandboxed: ${bwrap.reason}\n`,
    };
  }
  return { child: spawn('sh', ['-c', command], options), sandboxed: false, note: '# NOT sandboxed: --sandbox off\n' };
}

/**
 * Runs a shell command in `cwd` (in the sandbox, see activities/sandbox), streaming its output to `logPath`
 * (up to the log cap, then its tail: log-cap.ts) and keeping only a bounded head and tail of it in memory.
 * The command runs in its own process group, killed (all of it) on timeout, on the activity's cancellation,
 * when the command exits leaving processes behind, and when the worker exits; this resolves only after the
 * process is gone. Never rejects on a non-zero exit; rejects when the activity was cancelled (after the kill)
 * or when --sandbox required cannot be met. `onTick` is called every few seconds (activities heartbeat from
 * it). `network` lets this command reach package registries whatever the run's policy (the install command:
 * through the proxy of install-proxy.ts, or the whole network with --sandbox-network); `writable` are folders
 * it may write besides `cwd`.
 */
export async function runShell(
  command: string,
  cwd: string,
  logPath: string,
  opts: { timeoutMs?: number; onTick?: () => void; network?: boolean; signal?: AbortSignal; writable?: string[] } = {},
): Promise<CommandResult> {
  const policy = currentSandboxPolicy();
  const signal = opts.signal ?? cancellationSignal();
  if (signal?.aborted) throw signal.reason ?? new Error('cancelled');
  fs.mkdirSync(path.dirname(logPath), { recursive: true });
  // A command that needs the registry (the install) in a run without --sandbox-network gets it through the proxy.
  const proxy =
    opts.network === true && !policy.network && policy.mode !== 'off' && bwrapAvailability().ok
      ? await startInstallProxy()
      : undefined;
  let launched: ReturnType<typeof launch>;
  try {
    launched = launch(command, cwd, policy, opts.network === true || policy.network, opts.writable, proxy);
  } catch (err) {
    await proxy?.close();
    throw err;
  }
  const { child, sandboxed, note } = launched;
  const log = fs.createWriteStream(logPath);
  log.write(`$ ${command}\n# in ${cwd}\n${note ?? ''}`);
  const started = Date.now();
  if (child.pid) track(child.pid);
  let head = '';
  const tail = new TailBuffer(KEPT_TAIL_CHARS);
  let total = 0;
  const cap = capFor(logPath);
  let logged = 0;
  let skipped = 0;
  const collect = (d: Buffer) => {
    const s = d.toString();
    total += s.length;
    if (head.length < KEPT_HEAD_CHARS) head += s.slice(0, KEPT_HEAD_CHARS - head.length);
    tail.push(s);
    // Past the log cap, only the in-memory tail keeps the output (it ends the log).
    const room = cap - logged;
    if (room <= 0) {
      skipped += d.length;
      return;
    }
    const piece = d.length <= room ? d : d.subarray(0, room);
    skipped += d.length - piece.length;
    logged += piece.length;
    // Back-pressure: while the log file lags behind, stop reading the command's output (it blocks on its pipe).
    if (!log.write(piece)) {
      child.stdout?.pause();
      child.stderr?.pause();
      log.once('drain', () => {
        child.stdout?.resume();
        child.stderr?.resume();
      });
    }
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  const kill = () => {
    if (child.pid) killGroup(child.pid);
  };
  const tick = setInterval(() => opts.onTick?.(), 5000);
  let timedOut = false;
  const timeoutMs = opts.timeoutMs ?? 20 * 60_000;
  const timer = setTimeout(() => {
    timedOut = true;
    kill();
  }, timeoutMs);
  let cancelled = false;
  const onAbort = () => {
    cancelled = true;
    kill();
  };
  signal?.addEventListener('abort', onAbort, { once: true });
  const exitCode: number = await new Promise((resolve) => {
    let code: number | null = null;
    let drain: NodeJS.Timeout | undefined;
    child.on('error', () => resolve(127));
    child.on('exit', (c, sig) => {
      code = c ?? (sig ? 128 : 1);
      // The shell is gone: whatever it left running in its group goes too, and the pipes get a moment to drain.
      kill();
      drain = setTimeout(() => {
        child.stdout?.destroy();
        child.stderr?.destroy();
        resolve(code!);
      }, DRAIN_MS);
    });
    child.on('close', (c, sig) => {
      if (drain) clearTimeout(drain);
      resolve(code ?? c ?? (sig ? 128 : 1));
    });
  });
  if (child.pid) live.delete(child.pid);
  clearInterval(tick);
  clearTimeout(timer);
  signal?.removeEventListener('abort', onAbort);
  if (skipped > 0) log.write(cappedLogEnding(cap, skipped, tail.text()));
  const footer = cancelled
    ? `\n# cancelled\n`
    : timedOut
      ? `\n# timed out after ${timeoutMs} ms\n`
      : `\n# exit code ${exitCode}\n`;
  await proxy?.close();
  const refusedNote = proxy?.refused.length
    ? `# the install's network refused: ${proxy.refused.slice(0, 20).join(', ')}\n`
    : '';
  await new Promise<void>((resolve) => log.end(refusedNote + footer, () => resolve()));
  if (cancelled) throw signal?.reason ?? new Error('cancelled');
  const kept =
    total <= KEPT_HEAD_CHARS
      ? head
      : `${head}\n… (${total - KEPT_HEAD_CHARS - Math.min(KEPT_TAIL_CHARS, total - KEPT_HEAD_CHARS)} characters not kept in memory; see ${logPath})\n${tail.text().slice(-Math.min(KEPT_TAIL_CHARS, total - KEPT_HEAD_CHARS))}`;
  const lastLines = (total <= KEPT_HEAD_CHARS ? head : tail.text()).split('\n');
  return {
    command,
    exitCode: timedOut ? 124 : exitCode,
    passed: !timedOut && exitCode === 0,
    failingTests: exitCode === 0 ? [] : failingTests(capLines(kept)).map(redact),
    tail: redact(lastLines.slice(-60).join('\n').slice(-6000)) + (timedOut ? '\n(timed out)' : ''),
    logPath,
    durationMs: Date.now() - started,
    sandboxed,
  };
}

/** The text with each line cut to MAX_SCAN_LINE characters, so no parser meets a megabyte-long line. */
function capLines(text: string): string {
  return text
    .split('\n')
    .map((l) => (l.length > MAX_SCAN_LINE ? l.slice(0, MAX_SCAN_LINE) : l))
    .join('\n');
}
