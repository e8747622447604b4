// The user's path, for bench:makespan: `flotilla dev` in one process and `flotilla run --wait` in another, exactly as
// the README shows them (no --agent-slots, the default review unless asked), against an Anthropic-wire model that is
// a process of its own. Environment only: a state folder, a worktree folder and the model's URL and key.
import { type ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { freePort } from '../dev/temporal-server';
import { cpuSeconds } from './cpu';

const CLI = path.resolve(__dirname, '..', '..', 'bin', 'flotilla.js');

/** A `flotilla dev` process: its server's address, its CPU so far, and the git processes its worker started. */
export interface DevProcess {
  address: string;
  pid: number;
  /** CPU seconds so far: the dev process (the worker), the Temporal server, git (its launcher and the git processes), the rest (test runs, shells). */
  cpu(): { worker: number; server: number; git: number; all: number };
  /** Git processes started so far (git's trace2: one file per process). */
  gitCommands(): number;
  /** The lines it printed. */
  output(): string;
  stop(): Promise<void>;
}

/** The direct children of a process (from /proc). */
function childrenOf(pid: number): number[] {
  try {
    return fs
      .readdirSync(`/proc/${pid}/task`)
      .flatMap((t) =>
        fs.readFileSync(`/proc/${pid}/task/${t}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number),
      );
  } catch {
    return [];
  }
}
const cmdline = (pid: number) => {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return '';
  }
};
/** A process's CPU with its descendants': those alive, and those that ended and were waited for. */
function treeCpu(pid: number): number {
  return cpuSeconds(pid, true) + childrenOf(pid).reduce((t, c) => t + treeCpu(c), 0);
}

/** Waits until `out()` matches, the process exits, or the time is up. */
async function waitFor(child: ChildProcess, out: () => string, pattern: RegExp, ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (!pattern.test(out())) {
    if (child.exitCode !== null)
      throw new Error(`it exited (code ${child.exitCode}) before printing ${pattern}:\n${out()}`);
    if (Date.now() > until) throw new Error(`no ${pattern} after ${ms / 1000} s:\n${out()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Starts `flotilla dev --port P` (a fresh state folder) with the model at `modelUrl`, and waits for its "Ready.". */
export async function startDev(modelUrl: string): Promise<DevProcess> {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-makespan-dev-'));
  const trace = path.join(home, 'git-trace');
  fs.mkdirSync(trace);
  // git reads $XDG_CONFIG_HOME/git/config as global configuration: trace2 writes one file per git process there.
  fs.mkdirSync(path.join(home, 'config', 'git'), { recursive: true });
  fs.writeFileSync(
    path.join(home, 'config', 'git', 'config'),
    `[trace2]\n\teventTarget = ${trace}\n\teventBrief = true\n`,
  );
  const port = await freePort();
  const env = {
    ...process.env,
    ANTHROPIC_API_KEY: 'stand-in-key',
    ANTHROPIC_BASE_URL: modelUrl,
    FLOTILLA_STATE_DIR: path.join(home, 'state'),
    FLOTILLA_WORKTREES: path.join(home, 'worktrees'),
    XDG_CONFIG_HOME: path.join(home, 'config'),
    CI: '1',
  };
  const child = spawn(process.execPath, [CLI, 'dev', '--port', String(port), '--ui-port', String(await freePort())], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  child.stdout!.on('data', (b: Buffer) => (text += b.toString()));
  child.stderr!.on('data', (b: Buffer) => (text += b.toString()));
  await waitFor(child, () => text, /^Ready\./m, 120_000);
  const pid = child.pid!;
  const find = (test: (cmd: string) => boolean) => childrenOf(pid).filter((c) => test(cmdline(c)));
  return {
    address: `127.0.0.1:${port}`,
    pid,
    cpu() {
      const server = find((c) => /temporal/.test(c) && /server/.test(c));
      const launcher = find((c) => /^\S*node -e/.test(c));
      return {
        worker: cpuSeconds(pid),
        server: server.reduce((t, p) => t + treeCpu(p), 0),
        git: launcher.reduce((t, p) => t + treeCpu(p), 0),
        all: treeCpu(pid),
      };
    },
    gitCommands: () => fs.readdirSync(trace).length,
    output: () => text,
    stop: () =>
      new Promise<void>((resolve) => {
        const done = () => {
          fs.rmSync(home, { recursive: true, force: true });
          resolve();
        };
        if (child.exitCode !== null) return done();
        child.once('exit', done);
        child.kill('SIGINT');
        setTimeout(() => child.kill('SIGKILL'), 20_000).unref();
      }),
  };
}

/** `flotilla run --repo R --max-parallel N --wait [--review off] --run-id ID --address A`: its wall time, exit code and output. */
export async function runWait(
  address: string,
  repo: string,
  runId: string,
  maxParallel: number,
  review: 'off' | 'default',
): Promise<{ ms: number; code: number | null; output: string }> {
  const args = [
    CLI,
    'run',
    '--repo',
    repo,
    '--max-parallel',
    String(maxParallel),
    '--wait',
    '--run-id',
    runId,
    '--address',
    address,
    ...(review === 'off' ? ['--review', 'off'] : []),
  ];
  const started = Date.now();
  const child = spawn(process.execPath, args, { env: { ...process.env, CI: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  child.stdout!.on('data', (b: Buffer) => (text += b.toString()));
  child.stderr!.on('data', (b: Buffer) => (text += b.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  return { ms: Date.now() - started, code, output: text };
}
