import type { LogEntry } from '@temporalio/worker';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The first line of an error (or of any message), without the stack. */
function firstLine(value: unknown): string {
  const text =
    value instanceof Error
      ? `${value.message}`
      : typeof value === 'string'
        ? value
        : value == null
          ? ''
          : String(value);
  return (text.split('\n').find((l) => l.trim()) ?? '').trim().slice(0, 300);
}

/**
 * The one terminal line for a Temporal SDK log entry, or null when it belongs in the log file only.
 * An activity that failed (Temporal retries it, as its retry policy says) gets its type, its workflow,
 * the attempt and the error's first line; any other warning or error gets its message's first line.
 */
export function terminalLine(entry: Pick<LogEntry, 'level' | 'message' | 'meta'>): string | null {
  if (entry.level !== 'WARN' && entry.level !== 'ERROR') return null;
  // Activity-only workers (agents, tests) are expected to poll no workflows.
  if (entry.message.startsWith('No workflows registered')) return null;
  const meta = (entry.meta ?? {}) as Record<string, unknown>;
  if (entry.message === 'Activity failed') {
    const where = meta.workflowId ? ` of ${meta.workflowId}` : '';
    return `activity ${meta.activityType ?? '?'}${where} failed (attempt ${meta.attempt ?? '?'}): ${firstLine(meta.error) || 'no message'}; Temporal retries it if its retry policy allows`;
  }
  const error = meta.error ?? meta.failure;
  return `Temporal SDK ${entry.level.toLowerCase()}: ${firstLine(entry.message)}${error ? `: ${firstLine(error)}` : ''}`;
}

/** One line of the log file: time, level, message, then the metadata as JSON (an error with its stack). */
export function fileLine(entry: LogEntry): string {
  const time = new Date(Number(entry.timestampNanos / 1_000_000n)).toISOString();
  const meta = entry.meta
    ? ` ${JSON.stringify(entry.meta, (_k, v: unknown) => (v instanceof Error ? { name: v.name, message: v.message, stack: v.stack, cause: (v as { cause?: unknown }).cause } : typeof v === 'bigint' ? String(v) : v))}`
    : '';
  return `${time} ${entry.level} ${entry.message}${meta}\n`;
}

/**
 * A log function for the Temporal Runtime's DefaultLogger: every entry goes to `file` (appended), and
 * warnings and errors also to `terminal` as one readable line each (no stack traces among the progress lines).
 */
export function sdkLogFunction(
  file: string,
  terminal: (line: string) => void,
  o: { coreQuietMs?: number; now?: () => number } = {},
): (entry: LogEntry) => void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const fd = fs.openSync(file, 'a');
  const now = o.now ?? Date.now;
  let coreSaidAt = -Infinity;
  return (entry) => {
    try {
      fs.writeSync(fd, fileLine(entry));
    } catch {
      /* the log file is a convenience: never fail the worker over it */
    }
    const line = terminalLine(entry);
    if (!line) return;
    // The SDK's core repeats its warnings (a server that went away: every poll retried): one line a minute.
    if ((entry.meta as { sdkComponent?: string } | undefined)?.sdkComponent === 'core') {
      if (now() - coreSaidAt < (o.coreQuietMs ?? 60_000)) return;
      coreSaidAt = now();
      terminal(`${line} (more in ${file})`);
      return;
    }
    terminal(line);
  };
}
