// The cluster's processes (PostgreSQL, the Temporal server, Flotilla workers): each logs to its own file, and
// all of them are stopped in reverse order of start on the way out, whatever the way out is.
import { type ChildProcess, spawn, type SpawnOptions } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface RunAs {
  uid: number;
  gid: number;
}

interface Started {
  name: string;
  child: ChildProcess;
  /** What asks it to stop cleanly (PostgreSQL: SIGINT, its fast shutdown). */
  stopSignal: NodeJS.Signals;
}

const alive = (c: ChildProcess) => c.exitCode === null && c.signalCode === null;

/** The last `n` characters of a log file, for an error message. */
export function tail(file: string, n = 3000): string {
  try {
    const text = fs.readFileSync(file, 'utf8');
    return text.length > n ? `…${text.slice(-n)}` : text;
  } catch {
    return '';
  }
}

export class Processes {
  private started: Started[] = [];

  constructor(readonly logDir: string) {
    fs.mkdirSync(logDir, { recursive: true });
  }

  logFile(name: string): string {
    return path.join(this.logDir, `${name}.log`);
  }

  /**
   * Starts a long-running process with its output in <logDir>/<name>.log. It gets its own process group
   * (detached), so a Ctrl-C in the terminal reaches this script only, which then stops everything in order.
   */
  start(
    name: string,
    command: string,
    args: string[],
    o: { env?: NodeJS.ProcessEnv; cwd?: string; runAs?: RunAs; stopSignal?: NodeJS.Signals } = {},
  ): ChildProcess {
    const fd = fs.openSync(this.logFile(name), 'a');
    try {
      const options: SpawnOptions = {
        env: o.env ?? process.env,
        cwd: o.cwd,
        stdio: ['ignore', fd, fd],
        detached: true,
        ...o.runAs,
      };
      const child = spawn(command, args, options);
      // A command that cannot start (ENOENT) shows as an exit; the caller's wait sees it.
      child.on('error', (err) => fs.appendFileSync(this.logFile(name), `\n${command}: ${err.message}\n`));
      this.started.push({ name, child, stopSignal: o.stopSignal ?? 'SIGTERM' });
      return child;
    } finally {
      fs.closeSync(fd); // the child has its own copy
    }
  }

  /** Tracks a process started elsewhere (e.g. with piped output), so that it is stopped with the others. */
  adopt(name: string, child: ChildProcess, stopSignal: NodeJS.Signals = 'SIGTERM'): void {
    this.started.push({ name, child, stopSignal });
  }

  /** Runs a command to its end, its output in <logDir>/<name>.log; throws with the log's tail when it fails. */
  run(
    name: string,
    command: string,
    args: string[],
    o: { env?: NodeJS.ProcessEnv; cwd?: string; runAs?: RunAs; timeoutMs?: number } = {},
  ): Promise<void> {
    const file = this.logFile(name);
    const fd = fs.openSync(file, 'a');
    return new Promise<void>((resolve, reject) => {
      const child = spawn(command, args, {
        env: o.env ?? process.env,
        cwd: o.cwd,
        stdio: ['ignore', fd, fd],
        ...o.runAs,
      });
      fs.closeSync(fd);
      const entry: Started = { name, child, stopSignal: 'SIGTERM' };
      this.started.push(entry);
      const timer = o.timeoutMs ? setTimeout(() => child.kill('SIGKILL'), o.timeoutMs) : undefined;
      const done = (err?: Error) => {
        clearTimeout(timer);
        this.started = this.started.filter((s) => s !== entry);
        if (err) reject(err);
        else resolve();
      };
      child.once('error', (err) => done(new Error(`${command}: ${err.message}`)));
      child.once('exit', (code, signal) => {
        if (code === 0) return done();
        done(
          new Error(
            `${name} (${[command, ...args].join(' ')}) ended with ${signal ?? `exit code ${code}`}; its log ${file}:\n${tail(file)}`,
          ),
        );
      });
    });
  }

  /** Stops everything still running, last started first: the stop signal, then SIGKILL after `graceMs`. */
  async stopAll(graceMs = 15_000): Promise<void> {
    for (const s of [...this.started].reverse()) await this.stop(s, graceMs);
    this.started = [];
  }

  /** Stops the named processes (e.g. the workers), leaving the others running. */
  async stopNamed(prefix: string, graceMs = 15_000): Promise<void> {
    const mine = this.started.filter((s) => s.name.startsWith(prefix));
    await Promise.all(mine.map((s) => this.stop(s, graceMs)));
    this.started = this.started.filter((s) => !mine.includes(s));
  }

  /** At process exit (synchronous): SIGKILL whatever is left, so nothing outlives the script. */
  killAllNow(): void {
    for (const s of this.started) if (alive(s.child)) s.child.kill('SIGKILL');
  }

  private stop(s: Started, graceMs: number): Promise<void> {
    if (!alive(s.child)) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => s.child.kill('SIGKILL'), graceMs);
      s.child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      s.child.kill(s.stopSignal);
    });
  }
}
