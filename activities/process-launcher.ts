import { ChildProcess, spawn } from 'node:child_process';

/** A short command to run (git): its whole output is kept in memory. */
export interface Command {
  file: string;
  args: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Written to its stdin (else stdin is closed). */
  input?: string;
}

/** How it ended: `error` when it could not start (then `code` is null). */
export interface Finished {
  code: number | null;
  stdout: Buffer;
  stderr: Buffer;
  error?: string;
}

/**
 * The launcher's own code, run with `node -e` (the same from TypeScript sources under jest and from dist): it
 * spawns each command it is sent and sends back its exit code and output. It exits when its parent goes.
 */
const LAUNCHER = `
const { spawn } = require('node:child_process');
process.on('message', ({ id, file, args, cwd, env, input }) => {
  const out = [];
  const err = [];
  let done = false;
  const finish = (code, error) => {
    if (done) return;
    done = true;
    process.send({ id, code, stdout: Buffer.concat(out), stderr: Buffer.concat(err), error });
  };
  let child;
  try {
    child = spawn(file, args, { cwd, env, stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
  } catch (e) {
    return finish(null, e.message);
  }
  child.on('error', (e) => finish(null, e.message));
  child.stdout.on('data', (b) => out.push(b));
  child.stderr.on('data', (b) => err.push(b));
  if (input !== undefined) {
    child.stdin.on('error', () => undefined);
    child.stdin.end(input);
  }
  child.on('close', (code) => finish(code));
});
process.on('disconnect', () => process.exit(0));
`;

const asBuffer = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength);

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
  private readonly pending = new Map<number, { resolve: (f: Finished) => void; reject: (e: Error) => void }>();
  private next = 0;

  /** Its process id while it runs (benchmarks count its CPU time). */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  run(command: Command): Promise<Finished> {
    const child = this.child ?? this.start();
    const id = ++this.next;
    return new Promise<Finished>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.holdParent();
      child.send({ id, ...command }, (err) => err && this.settle(id, () => reject(new Error(`could not hand \`${command.file} ${command.args[0] ?? ''}\` to the process launcher: ${err.message}`))));
    });
  }

  private start(): ChildProcess {
    // Its own environment carries nothing of the worker's (every command gets the environment it is sent).
    const child = spawn(process.execPath, ['-e', LAUNCHER], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], serialization: 'advanced', env: { PATH: process.env.PATH ?? '' } });
    child.on('message', (m: { id: number; code: number | null; stdout: Uint8Array; stderr: Uint8Array; error?: string }) =>
      this.settle(m.id, (p) => p.resolve({ code: m.code, stdout: asBuffer(m.stdout), stderr: asBuffer(m.stderr), ...(m.error !== undefined ? { error: m.error } : {}) })),
    );
    const lost = (why: string) => {
      if (this.child !== child) return;
      this.child = undefined;
      const waiting = [...this.pending.values()];
      this.pending.clear();
      for (const p of waiting) p.reject(new Error(`the process launcher stopped (${why}) while a command was running; try again`));
    };
    child.on('exit', (code, signal) => lost(signal ?? `exit code ${code}`));
    child.on('error', (e) => lost(e.message));
    this.child = child;
    return child;
  }

  private settle(id: number, how: (p: { resolve: (f: Finished) => void; reject: (e: Error) => void }) => void): void {
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
