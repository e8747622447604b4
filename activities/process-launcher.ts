import { type ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { LaunchRequest } from './process-launcher-child';

/** A short command to run (git): its whole output is kept in memory. */
export interface Command {
  file: string;
  args: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Written to its stdin (else stdin is closed). */
  input?: string;
  /** Its output (stdout and stderr together) may not exceed this many bytes: over it, it is killed (default 256 MiB). */
  maxBuffer?: number;
}

/** How it ended: `error` when it could not start or printed too much; `signal` when a signal ended it (then `code` is null). */
export interface Finished {
  code: number | null;
  signal?: string;
  stdout: Buffer;
  stderr: Buffer;
  error?: string;
}

const DEFAULT_MAX_BUFFER = 256 * 1024 * 1024;

/**
 * How to start the launcher (process-launcher-child.ts): the compiled file beside this one (dist), or, when running
 * from the TypeScript sources (jest, tsx), that file transpiled and run with `node -e`.
 */
let launcherArgs: string[] | undefined;
function launcherCommand(): string[] {
  if (launcherArgs) return launcherArgs;
  const compiled = path.join(__dirname, 'process-launcher-child.js');
  if (fs.existsSync(compiled)) return (launcherArgs = [compiled]);
  const source = fs.readFileSync(path.join(__dirname, 'process-launcher-child.ts'), 'utf8');
  const ts = require('typescript') as typeof import('typescript');
  return (launcherArgs = [
    '-e',
    ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 } })
      .outputText,
  ]);
}

const asBuffer = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength);

interface InFlight {
  message: LaunchRequest;
  resolve: (f: Finished) => void;
  reject: (e: Error) => void;
  /** The launcher it was handed to, whether that launcher said it started it, and how many launchers it was handed to. */
  to?: ChildProcess;
  started: boolean;
  handed: number;
}

/** How many launchers a command is handed to at most when they die before starting it. */
const MAX_HANDOVERS = 3;

/**
 * Runs short commands from a small process of its own. Starting a process from the worker blocks its event loop
 * for as long as the kernel takes to copy the worker's memory map (fork), which grows with the worker's size:
 * ~10 ms a git command in a worker running 8 agents, and a task runs ~25 of them (bench:makespan: 10.7 s of
 * the worker's 13.8 s of CPU in a 40-task run were spent in spawn). The launcher is ~40 MB: its forks are ~1 ms,
 * and they block its loop, not the worker's. It starts on first use, is not kept alive when idle (a command in
 * flight keeps the parent alive), and starts again if it dies (the commands it had are rejected).
 */
class Launcher {
  private child: ChildProcess | undefined;
  private readonly pending = new Map<number, InFlight>();
  private next = 0;

  /** Its process id while it runs (benchmarks count its CPU time). */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  run(command: Command): Promise<Finished> {
    const id = ++this.next;
    return new Promise<Finished>((resolve, reject) => {
      const entry: InFlight = {
        message: { ...command, id, maxBuffer: command.maxBuffer ?? DEFAULT_MAX_BUFFER },
        resolve,
        reject,
        started: false,
        handed: 0,
      };
      this.pending.set(id, entry);
      this.hand(entry);
    });
  }

  /** Hands a command to the running launcher (started if there is none). One that cannot take it is stopped: its end hands the command on. */
  private hand(entry: InFlight): void {
    const child = this.child ?? this.start();
    entry.to = child;
    entry.started = false;
    entry.handed++;
    this.holdParent();
    child.send(entry.message, (err) => err && this.forget(child));
  }

  private start(): ChildProcess {
    // Its own environment carries nothing of the worker's (every command gets the environment it is sent).
    const child = spawn(process.execPath, launcherCommand(), {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      serialization: 'advanced',
      env: { PATH: process.env.PATH ?? '' },
    });
    child.on(
      'message',
      (m: {
        id: number;
        started?: true;
        code: number | null;
        signal: string | null;
        stdout: Uint8Array;
        stderr: Uint8Array;
        error?: string;
      }) => {
        const entry = this.pending.get(m.id);
        if (!entry || entry.to !== child) return;
        if (m.started) entry.started = true;
        else
          this.settle(m.id, (p) =>
            p.resolve({
              code: m.code,
              ...(m.signal ? { signal: m.signal } : {}),
              stdout: asBuffer(m.stdout),
              stderr: asBuffer(m.stderr),
              ...(m.error ? { error: m.error } : {}),
            }),
          );
      },
    );
    // Once it has ended and every message it sent was read ('close'): a command it had started is rejected (its
    // process may still finish); one it had not is handed to a new launcher.
    let ended = false;
    const end = (why: string) => {
      if (ended) return;
      ended = true;
      if (this.child === child) this.child = undefined;
      for (const [id, entry] of [...this.pending]) {
        if (entry.to !== child) continue;
        if (!entry.started && entry.handed < MAX_HANDOVERS) this.hand(entry);
        else
          this.settle(id, (p) =>
            p.reject(
              new Error(
                `the process launcher stopped (${why}) while \`${entry.message.file} ${entry.message.args.join(' ').slice(0, 80)}\` ran; try again`,
              ),
            ),
          );
      }
    };
    child.on('close', (code, signal) => end(signal ?? `exit code ${code}`));
    // A launcher that could not start has no 'close' to wait for.
    child.on('error', (e) => child.pid === undefined && end(e.message));
    this.child = child;
    return child;
  }

  /** A launcher that cannot take messages is not used again; its end hands on what it had not started. */
  private forget(child: ChildProcess): void {
    if (this.child === child) this.child = undefined;
    child.kill('SIGKILL');
  }

  private settle(id: number, how: (p: InFlight) => void): void {
    const p = this.pending.get(id);
    if (!p) return;
    this.pending.delete(id);
    this.holdParent();
    how(p);
  }

  /** The parent's event loop waits for the launcher only while a command is in flight. */
  private holdParent(): void {
    const child = this.child;
    if (!child) return;
    const busy = this.pending.size > 0;
    for (const handle of [child, child.channel]) if (handle) busy ? handle.ref() : handle.unref();
  }
}

const launcher = new Launcher();

/** Runs a short command through the process launcher. */
export function launch(command: Command): Promise<Finished> {
  return launcher.run(command);
}

/** The launcher's process id, while it runs. */
export function launcherPid(): number | undefined {
  return launcher.pid;
}
