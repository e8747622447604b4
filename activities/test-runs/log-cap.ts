import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * The most of one command's output that goes to its log file (FLOTILLA_LOG_CAP_BYTES, default 8 MB): a test
 * that prints without end fills no disk. Past the cap the output is still read (the command never blocks on
 * its pipe) and its last part, kept in memory, ends the log, with how much was left out.
 */
export const DEFAULT_LOG_CAP_BYTES = 8 * 1024 * 1024;

export function logCapBytes(env: NodeJS.ProcessEnv = process.env): number {
  const n = Number(env.FLOTILLA_LOG_CAP_BYTES);
  return Number.isFinite(n) && n > 0 ? Math.floor(n) : DEFAULT_LOG_CAP_BYTES;
}

/** The log's last lines when the cap cut it: what was left out, then the tail of the output. */
export function cappedLogEnding(cap: number, skippedBytes: number, tail: string): string {
  const kept = tail.length > skippedBytes ? tail.slice(-skippedBytes) : tail;
  return `\n# … log cap (${cap} bytes) reached: ${skippedBytes} bytes of output not logged; its last ${kept.length} characters follow\n${kept}`;
}

/**
 * All the logs of one run together (FLOTILLA_RUN_LOG_BUDGET_BYTES, default 1 GB): a command's cap is what the
 * run's earlier logs left of it, but at least MIN_LOG_BYTES, so every command still logs its start and its tail.
 */
export const DEFAULT_RUN_LOG_BUDGET_BYTES = 1024 * 1024 * 1024;
export const MIN_LOG_BYTES = 64 * 1024;

/** The run folder (`<repo>/.flotilla/runs/<runId>`) a log file is in, if it is in one. */
export function runFolderOf(logPath: string): string | null {
  let dir = path.dirname(path.resolve(logPath));
  while (dir !== path.dirname(dir)) {
    const parent = path.dirname(dir);
    if (path.basename(parent) === 'runs' && path.basename(path.dirname(parent)) === '.flotilla') return dir;
    dir = parent;
  }
  return null;
}

function logBytesUnder(dir: string, depth = 0): number {
  let total = 0;
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDirectory() && depth < 6) total += logBytesUnder(p, depth + 1);
    else if (e.isFile() && e.name.endsWith('.log')) total += fs.lstatSync(p).size;
  }
  return total;
}

/** The cap of the command that logs to `logPath`: the per-command cap, within what the run's budget has left. */
export function capFor(logPath: string, env: NodeJS.ProcessEnv = process.env): number {
  const cap = logCapBytes(env);
  const run = runFolderOf(logPath);
  if (!run) return cap;
  const n = Number(env.FLOTILLA_RUN_LOG_BUDGET_BYTES);
  const budget = Number.isFinite(n) && n > 0 ? Math.floor(n) : DEFAULT_RUN_LOG_BUDGET_BYTES;
  return Math.max(MIN_LOG_BYTES, Math.min(cap, budget - logBytesUnder(run)));
}
