import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { failingTests } from './failing-tests';

export interface CommandResult {
  command: string;
  exitCode: number;
  passed: boolean;
  failingTests: string[];
  /** The last lines of the output, for error messages and the agent's feedback. */
  tail: string;
  logPath: string;
  durationMs: number;
}

/** Environment for commands Flotilla runs in a worktree: no API keys, non-interactive. */
function commandEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, CI: 'true', FORCE_COLOR: '0', NO_COLOR: '1' };
  for (const key of Object.keys(env)) if (/^ANTHROPIC_/.test(key)) delete env[key];
  return env;
}

/**
 * Runs a shell command in `cwd`, streaming its output to `logPath`. Never rejects on a non-zero exit;
 * `onTick` is called every few seconds (activities heartbeat from it).
 */
export async function runShell(
  command: string,
  cwd: string,
  logPath: string,
  opts: { timeoutMs?: number; onTick?: () => void } = {},
): Promise<CommandResult> {
  fs.mkdirSync(path.dirname(logPath), { recursive: true });
  const log = fs.createWriteStream(logPath);
  log.write(`$ ${command}\n# in ${cwd}\n`);
  const started = Date.now();
  const chunks: string[] = [];
  const child = spawn('sh', ['-c', command], { cwd, env: commandEnv(), detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const collect = (d: Buffer) => {
    chunks.push(d.toString());
    log.write(d);
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const tick = setInterval(() => opts.onTick?.(), 5000);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }, opts.timeoutMs ?? 20 * 60_000);
  const exitCode: number = await new Promise((resolve) => {
    child.on('error', () => resolve(127));
    child.on('close', (code) => resolve(code ?? 1));
  });
  clearInterval(tick);
  clearTimeout(timer);
  const output = chunks.join('');
  const footer = timedOut ? `\n# timed out after ${opts.timeoutMs} ms\n` : `\n# exit code ${exitCode}\n`;
  await new Promise<void>((resolve) => log.end(footer, () => resolve()));
  const lines = output.split('\n');
  return {
    command,
    exitCode: timedOut ? 124 : exitCode,
    passed: !timedOut && exitCode === 0,
    failingTests: exitCode === 0 ? [] : failingTests(output),
    tail: lines.slice(-60).join('\n').slice(-6000) + (timedOut ? '\n(timed out)' : ''),
    logPath,
    durationMs: Date.now() - started,
  };
}
