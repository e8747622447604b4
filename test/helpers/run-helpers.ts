// Shared helpers for tests that start runs: the settings of a test run, and waiting on a run's status
// (or any other condition) with a loud, descriptive error on timeout instead of a silent fall-through.
import { type WorkflowHandle, WorkflowUpdateFailedError } from '@temporalio/client';
import type { RunReport, RunSettings } from '../../core/types';
import { statusQuery } from '../../workflows/run-messages';

/** A unique run id: `<prefix>-<time>-<random>`. */
export function uniqueRunId(prefix = 'run'): string {
  return `${prefix}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
}

/** The settings of a test run on the stand-in model; a unique run id unless `overrides.runId` is given. */
export function runSettings(repoPath: string, overrides: Partial<RunSettings> = {}): RunSettings {
  return {
    runId: uniqueRunId(),
    repoPath,
    model: 'claude-haiku-4-5',
    maxParallel: 4,
    attempts: 1,
    maxTurns: 10,
    sequentialRisk: 'high',
    ...overrides,
  };
}

export interface WaitOptions {
  /** Default 60 s. */
  timeoutMs?: number;
  /** What is awaited, for the error on timeout. */
  what: string;
  /** Default 100 ms. */
  intervalMs?: number;
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Polls `check` until it returns a value other than undefined/false and returns that value. On timeout,
 * throws naming `what`, how long it waited, and `describe()` (what was last seen).
 */
export async function waitFor<T>(
  check: () => T | undefined | false | Promise<T | undefined | false>,
  opts: WaitOptions & { describe?: () => string },
): Promise<T> {
  const timeoutMs = opts.timeoutMs ?? 60_000;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() >= deadline)
      throw new Error(
        `timed out after ${(timeoutMs / 1000).toFixed(1)} s waiting for ${opts.what}${opts.describe ? `; last seen: ${opts.describe()}` : ''}`,
      );
    await pause(opts.intervalMs ?? 100);
  }
}

/** One line about a run's status: status, reason, segment, counts, and the tasks that run or wait. */
export function describeStatus(r: RunReport): string {
  const active = r.tasks
    .filter((t) => t.status === 'running' || t.status === 'awaiting-approval')
    .map((t) => `${t.id} ${t.status}`);
  const counts = Object.entries(r.counts ?? {})
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  return [
    `status ${r.status}${r.reason ? ` (${r.reason})` : ''}`,
    ...(r.segment ? [`segment ${r.segment.number}/${r.segment.of}`] : []),
    `counts {${counts}}`,
    `running tasks [${active.join(', ') || 'none'}]`,
    `batches [${r.batches.map((b) => `${b.id} ${b.state}`).join(', ')}]`,
  ].join('; ');
}

/**
 * Polls the run's status query until `predicate` holds and returns that status. On timeout, throws naming
 * what it waited for and the last status seen (or the last query error, when the query never answered).
 */
export async function waitForStatus(
  handle: WorkflowHandle,
  predicate: (r: RunReport) => boolean,
  opts: WaitOptions,
): Promise<RunReport> {
  let last: RunReport | undefined;
  let lastError: unknown;
  return waitFor(
    async () => {
      try {
        last = await handle.query(statusQuery);
      } catch (err) {
        lastError = err;
        return undefined;
      }
      return predicate(last) ? last : undefined;
    },
    {
      ...opts,
      what: `${opts.what} (run ${handle.workflowId})`,
      describe: () =>
        last
          ? describeStatus(last)
          : `no status (last query error: ${lastError instanceof Error ? lastError.message : String(lastError)})`,
    },
  );
}

/**
 * The run's result, or (after `timeoutMs`, default 240 s) a loud error with the run's last status: a run
 * that hangs fails with what it was doing instead of at the test's timeout.
 */
export async function resultWithin(
  handle: WorkflowHandle,
  opts: { timeoutMs?: number; what: string },
): Promise<RunReport> {
  const timeoutMs = opts.timeoutMs ?? 240_000;
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      void handle
        .query(statusQuery)
        .then(describeStatus, (err) => `no status (query error: ${err instanceof Error ? err.message : String(err)})`)
        .then((seen) =>
          reject(
            new Error(
              `timed out after ${(timeoutMs / 1000).toFixed(1)} s waiting for ${opts.what} (run ${handle.workflowId}); last seen: ${seen}`,
            ),
          ),
        );
    }, timeoutMs);
  });
  try {
    return (await Promise.race([handle.result(), timedOut])) as RunReport;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Why an update (e.g. an operator's control action) was rejected: the message of the cause of the
 * WorkflowUpdateFailedError (whose own message is only "Workflow Update failed"). Throws if the update
 * succeeded or failed any other way.
 */
export async function updateRejection(update: Promise<unknown>): Promise<string> {
  let result: unknown;
  try {
    result = await update;
  } catch (err) {
    if (!(err instanceof WorkflowUpdateFailedError)) throw err;
    return err.cause?.message ?? err.message;
  }
  throw new Error(`expected the update to be rejected, but it returned ${JSON.stringify(result)}`);
}
