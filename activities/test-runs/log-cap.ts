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
