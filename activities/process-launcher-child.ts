// The process launcher's own process (process-launcher.ts starts it): it spawns each command it is sent over IPC and
// sends back its exit code and output. It exits when its parent goes. Its messages are the parent's `LaunchRequest`
// and `LaunchReport`; it imports nothing of Flotilla's, so it stays small (~40 MB).
import { spawn } from 'node:child_process';

/** A command the parent sends. */
export interface LaunchRequest {
  id: number;
  file: string;
  args: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  input?: string;
  maxBuffer: number;
}

/** What the launcher sends back: that it started a command, then how it ended. */
export type LaunchReport =
  | { id: number; started: true }
  | {
      id: number;
      started?: undefined;
      code: number | null;
      signal: NodeJS.Signals | null;
      stdout: Buffer;
      stderr: Buffer;
      error?: string;
    };

function run({ id, file, args, cwd, env, input, maxBuffer }: LaunchRequest, send: (r: LaunchReport) => void): void {
  // Said before it starts: a command the parent never heard of as started is one it may send again.
  send({ id, started: true });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  let size = 0;
  let done = false;
  const finish = (code: number | null, signal: NodeJS.Signals | null, error?: string) => {
    if (done) return;
    done = true;
    send({ id, code, signal, stdout: Buffer.concat(out), stderr: Buffer.concat(err), error });
  };
  try {
    const child = spawn(file, args, { cwd, env, stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    child.on('error', (e) => finish(null, null, e.message));
    // A spawn that failed at once (out of file descriptors) has no pipes; its 'error' event finishes it.
    if (!child.stdout || !child.stderr) return;
    const keep = (into: Buffer[]) => (b: Buffer) => {
      size += b.length;
      if (size > maxBuffer) {
        child.kill('SIGKILL');
        return finish(null, null, `it printed more than ${maxBuffer} bytes and was stopped`);
      }
      into.push(b);
    };
    child.stdout.on('data', keep(out));
    child.stderr.on('data', keep(err));
    if (input !== undefined && child.stdin) {
      child.stdin.on('error', () => undefined);
      child.stdin.end(input);
    }
    child.on('close', (code, signal) => finish(code, signal));
  } catch (e) {
    finish(null, null, (e as Error).message);
  }
}

const send = process.send?.bind(process);
if (send) {
  process.on('message', (m: LaunchRequest) => run(m, (r) => void send(r)));
  process.on('disconnect', () => process.exit(0));
}
