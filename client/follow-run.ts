import * as fs from 'node:fs';
import { describeModel } from '../planner/render/model-name';
import { type Client, WorkflowFailedError } from '@temporalio/client';
import * as path from 'node:path';
import { runDir } from '../activities/run-paths';
import type { BatchState, RunReport, TestEvidence } from '../core/types';
import { statusQuery } from '../workflows/run-messages';
import { liveFrame, phaseMessage, readTaskSteps } from './live-view';
import { readRunReport } from './read-report';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Planned tasks that have ended (on the run branch, skipped or failed). */
const doneCount = ({ counts: c }: RunReport) => c.planned - c.pending - c.running - c['awaiting-approval'];

/** ", 3 integrated (their batch's suite has not passed yet)" when some are. */
const integratedNote = (n: number | undefined) =>
  n ? `, ${n} integrated (their batch's suite has not passed on them)` : '';

/** "  … 120/500 tasks done (118 committed, 2 skipped), 4 running in batch 1A" */
export function progressLine(r: RunReport): string {
  const c = r.counts;
  // Task files skipped at planning are not among the planned tasks (the run always holds them in memory).
  const skipped = c.skipped - r.tasks.filter((t) => !t.batch && t.status === 'skipped').length;
  const parts = [
    `${c.committed} committed${c.integrated ? `, ${c.integrated} integrated` : ''}`,
    ...(skipped ? [`${skipped} skipped`] : []),
    ...(c.failed ? [`${c.failed} failed`] : []),
  ];
  const batch = r.batches.find((b) => b.state === 'running');
  const cost = r.usage.costUsd !== undefined ? `, $${r.usage.costUsd.toFixed(2)} so far` : '';
  return `  … ${doneCount(r)}/${c.planned} tasks done (${parts.join(', ')}), ${c.running} running${batch && c.running ? ` in batch ${batch.id}` : ''}${cost}`;
}

function batchLine(b: BatchState, report: RunReport): string {
  const mine = report.tasks.filter((t) => t.batch === b.id);
  const count = (s: 'committed' | 'skipped' | 'failed') => b.outcome?.[s] ?? mine.filter((t) => t.status === s).length;
  const integrated = mine.filter((t) => t.status === 'integrated').length;
  // A batch of an earlier segment may have left memory before this poll: its counts are in report.json.
  const parts = b.outcome || mine.length ? [`${count('committed')} committed`] : ['done'];
  if (integrated) parts.push(`${integrated} integrated`);
  if (count('skipped')) parts.push(`${count('skipped')} skipped`);
  if (count('failed')) parts.push(`${count('failed')} failed`);
  const suite = b.suite ? `, suite ${b.suite.passed ? 'green' : 'red'}` : '';
  return `  batch ${b.id.padEnd(4)} ${b.mode.padEnd(10)} ${parts.join(', ')}${suite}  [${doneCount(report)}/${report.counts.planned} tasks done]  ${b.label}`;
}

/** A run's workflow is not being worked on: no worker polls its task queue. */
export class NoWorkerError extends Error {}

export interface FollowOptions {
  /** Redraw a live view in place (a terminal) instead of printing lines. */
  live?: LiveOutput;
  /** How long the run's task queue may have no poller before following gives up with a NoWorkerError. */
  noWorkerMs?: number;
  /** watchRun: what Ctrl-C says (default: the run goes on on the server; re-attach with flotilla watch). */
  interruptMessage?: string;
}

/** Where the live view draws: log-update on stdout, or a stand-in in tests. */
export interface LiveOutput {
  draw(frame: string): void;
  /** Removes the frame (before a permanent line is printed, and at the end). */
  clear(): void;
  width(): number;
}

/** A pollers' last access older than this means the worker is gone (an idle long poll is renewed every minute or so). */
const POLLER_FRESH_MS = 120_000;

/** How many workers poll the workflow task queue now, per the server (no worker needed to answer). */
export async function workflowPollers(client: Client, taskQueue: string): Promise<number> {
  const r = await client.workflowService.describeTaskQueue({
    namespace: client.options.namespace,
    taskQueue: { name: taskQueue, kind: 1 /* NORMAL */ },
    taskQueueType: 1 /* WORKFLOW */,
  });
  const now = Date.now();
  return (r.pollers ?? []).filter((p) => {
    const s = p.lastAccessTime?.seconds;
    return s === undefined || s === null || now - Number(s) * 1000 < POLLER_FRESH_MS;
  }).length;
}

export function noWorkerMessage(taskQueue: string, seconds: number, runId: string): string {
  return `no worker is polling task queue ${taskQueue} (for ${seconds} s): start one with \`flotilla worker\` (or \`flotilla dev\`); the run waits on the server and goes on when one starts (flotilla watch ${runId})`;
}

/**
 * How the run's repository commands are contained, from the record its worker wrote when the run started
 * (when the repository is on this machine): a loud line when they are NOT sandboxed.
 */
export function sandboxLine(repoPath: string, runId: string): string | undefined {
  let record: { sandboxed?: boolean; detail?: string };
  try {
    record = JSON.parse(fs.readFileSync(path.join(runDir(repoPath, runId), 'sandbox.json'), 'utf8'));
  } catch {
    return undefined;
  }
  return record.sandboxed
    ? `Sandbox: ${record.detail}`
    : `WARNING: this run is NOT sandboxed: ${record.detail}. See SECURITY.md.`;
}

/**
 * Prints a line per batch as the run goes (polling the run's status query), or, with `opts.live`, redraws a
 * live view with each running task's step; then returns the final report, whether the run completed or
 * failed. Says what the run does while it starts, plans and runs the baseline. When no worker polls the
 * run's task queue for `noWorkerMs`, throws a NoWorkerError that says how to start one (instead of waiting).
 */
export async function followRun(
  client: Client,
  workflowId: string,
  out: (line: string) => void,
  pollMs = 1000,
  progressEveryMs = 15_000,
  opts: FollowOptions = {},
): Promise<RunReport> {
  const handle = client.workflow.getHandle(workflowId);
  const runId = workflowId.replace(/^flotilla-/, '');
  const live = opts.live;
  const noWorkerMs = opts.noWorkerMs ?? 10_000;
  const printed = new Set<string>();
  const announcedWaiting = new Set<string>();
  let lastProgress = { at: Date.now(), done: -1 };
  let lastStatus = '';
  let lastPhase: string | null = null;
  let announced = false;
  let sandboxTold = false;
  let finished = false;
  let frame = '';
  // Permanent lines go above the live frame.
  const say = (line: string) => {
    if (live && frame) live.clear();
    out(line);
    if (live && frame) live.draw(frame);
  };
  const result = handle.result().then(
    (r: RunReport) => r,
    (err: unknown) => {
      if (err instanceof WorkflowFailedError) return null;
      throw err;
    },
  );
  result.finally(() => (finished = true)).catch(() => undefined);
  let taskQueue: string | undefined;
  let noPollerSince: number | null = null;
  /** False when no worker polls the run's queue (then the query would only wait); throws after noWorkerMs of that. */
  const workerPolls = async (): Promise<boolean> => {
    try {
      taskQueue ??= (await handle.describe()).taskQueue;
      if ((await workflowPollers(client, taskQueue)) > 0) {
        noPollerSince = null;
        return true;
      }
    } catch {
      return true; // the check could not be made: let the query tell
    }
    noPollerSince ??= Date.now();
    if (Date.now() - noPollerSince >= noWorkerMs && !finished)
      throw new NoWorkerError(noWorkerMessage(taskQueue!, Math.round(noWorkerMs / 1000), runId));
    return false;
  };
  const poll = async () => {
    if (!finished && !(await workerPolls())) {
      if (live) live.draw((frame = `Run ${runId}: waiting for a worker on task queue ${taskQueue}…`));
      return;
    }
    let report: RunReport;
    try {
      report = await handle.query(statusQuery);
    } catch {
      return; // not answered yet (the workflow is between tasks)
    }
    await render(report);
  };
  const render = async (report: RunReport, last = false) => {
    if (report.status !== lastStatus) {
      lastStatus = report.status;
      if (report.planPath && report.status === 'running') say(`Plan: ${report.planPath}`);
      if (!sandboxTold && report.status !== 'starting') {
        const line = sandboxLine(report.repoPath, report.runId);
        if (line) {
          sandboxTold = true;
          say(line);
        }
      }
      if (report.status === 'paused')
        say(`Paused: ${report.reason ?? 'by the operator'} (flotilla resume ${report.runId})`);
      if (report.status === 'running' && !announced) {
        announced = true;
        const n = report.counts.planned;
        const segments = report.segment
          ? ` (${report.segment.of} segments: the run workflow continues-as-new between them)`
          : '';
        say(`${baselineLine(report.baseline)} Executing ${n} tasks in ${report.batches.length} batches${segments}…`);
      }
    }
    const phase = phaseMessage(report);
    if (phase && phase !== lastPhase && !live && !last) out(phase);
    lastPhase = phase;
    for (const b of report.batches) {
      if (b.state === 'done' && !printed.has(b.id)) {
        printed.add(b.id);
        say(batchLine(b, report));
        lastProgress = { at: Date.now(), done: doneCount(report) };
      }
    }
    const waiting = report.tasks.filter((t) => t.status === 'awaiting-approval' && !announcedWaiting.has(t.id));
    for (const t of waiting) {
      announcedWaiting.add(t.id);
      say(`  ${t.id} (${t.title}) waits for approval: flotilla approve ${report.runId} ${t.id}`);
    }
    if (live && !last) {
      const steps = await readTaskSteps(
        client,
        workflowId,
        report.tasks.filter((t) => t.status === 'running').map((t) => t.id),
      );
      live.draw((frame = liveFrame(report, steps, { width: live.width() })));
      return;
    }
    // A wide batch can take hours: say how far it is every so often.
    const done = doneCount(report);
    if (report.status === 'running' && done !== lastProgress.done && Date.now() - lastProgress.at >= progressEveryMs) {
      lastProgress = { at: Date.now(), done };
      out(progressLine(report));
    }
  };
  try {
    while (!finished) {
      await poll();
      await Promise.race([sleep(pollMs), result]);
    }
  } finally {
    if (live && frame) live.clear();
    frame = '';
  }
  // The batches that ended since the last poll, from the final report (no worker needed to read it).
  const final = (await result) ?? (await readRunReport(client, runId));
  await render(final, true);
  return final;
}

/** The live view on this process's stdout when it is a terminal, else null (plain lines). */
export function terminalLiveOutput(): LiveOutput | null {
  if (!process.stdout.isTTY || process.env.TERM === 'dumb' || process.env.CI) return null;
  // log-update 4 is CommonJS (later versions are ESM-only); it hides the cursor while it draws.

  const logUpdate = require('log-update') as typeof import('log-update');
  return { draw: (f) => logUpdate(f), clear: () => logUpdate.clear(), width: () => process.stdout.columns || 100 };
}

/**
 * Follows a run for a command (watch, run --wait, demo): live on a terminal, plain lines elsewhere. Ctrl-C
 * stops watching, says that the run goes on and how to re-attach, and exits 130.
 */
export async function watchRun(
  client: Client,
  workflowId: string,
  out: (line: string) => void,
  opts: FollowOptions = {},
): Promise<RunReport> {
  const runId = workflowId.replace(/^flotilla-/, '');
  const live = opts.live !== undefined ? opts.live : terminalLiveOutput();
  const onInterrupt = () => {
    live?.clear();
    out(
      `\n${opts.interruptMessage ?? `Stopped watching. Run ${runId} goes on on the server; re-attach with: flotilla watch ${runId} (or flotilla status ${runId})`}`,
    );
    process.exit(130);
  };
  process.once('SIGINT', onInterrupt);
  try {
    return await followRun(client, workflowId, out, 1000, 15_000, { ...opts, ...(live ? { live } : {}) });
  } finally {
    process.removeListener('SIGINT', onInterrupt);
  }
}

export function summaryLines(report: RunReport): string[] {
  const lines: string[] = [];
  const c = report.counts;
  const notDone = report.tasks.filter((t) => t.status === 'skipped' || t.status === 'failed');
  lines.push(`Run ${report.runId}: ${report.status}${report.reason ? ` (${report.reason})` : ''}`);
  lines.push(
    `  ${c.committed} task(s) committed on ${report.branch ?? '(no branch)'}${integratedNote(c.integrated)}, ${c.skipped + c.failed} skipped or failed`,
  );
  for (const t of report.tasks.filter((x) => x.status === 'integrated').slice(0, 50))
    lines.push(`  - ${t.id} integrated: ${t.reason ?? "its batch's suite has not passed on it"}`);
  lines.push(`  Model: ${describeModel(report.model, report.standIn)}`);
  for (const t of notDone.slice(0, 50)) lines.push(`  - ${t.id} ${t.status}: ${t.reason ?? 'no reason recorded'}`);
  if (notDone.length > 50) lines.push(`  … and ${notDone.length - 50} more (see review.md)`);
  if (report.baseline) lines.push(`  ${baselineLine(report.baseline)}`);
  if (report.final) {
    const again = report.final.alreadyValidatedBy
      ? `; not run again: the same commit passed the full suite of ${report.final.alreadyValidatedBy}`
      : '';
    lines.push(
      `  Final suite on the run branch: ${report.final.passed ? 'passed' : 'FAILED'} (${report.final.command}${again})`,
    );
  }
  const u = report.usage;
  const cost =
    u.costUsd !== undefined
      ? ` (about $${u.costUsd.toFixed(4)} at ${report.model} list prices${report.standIn ? '; the stand-in did the work, so nothing was billed' : ''})`
      : '';
  lines.push(
    `  Tokens: ${u.inputTokens} in, ${u.outputTokens} out, ${u.cacheReadTokens} cache read, ${u.cacheWriteTokens} cache write${cost}`,
  );
  lines.push(`  Review: ${path.join(runDir(report.repoPath, report.runId), 'review.md')} (report.json beside it)`);
  return lines;
}

/** What the baseline suite said, honestly: green, green with flaky tests, or red tests that were allowed. */
export function baselineLine(e: TestEvidence | undefined): string {
  if (!e) return 'Baseline suite not run.';
  const flaky = e.flaky?.length
    ? ` (${e.flaky.length} flaky test${e.flaky.length > 1 ? 's' : ''}, never blamed: ${e.flaky.slice(0, 3).join('; ')}${e.flaky.length > 3 ? '…' : ''})`
    : '';
  if (e.failingTests.length) {
    const n = e.failingTests.length;
    return `Baseline suite red: ${n} test${n > 1 ? 's' : ''} already failing (${e.failingTests.slice(0, 3).join('; ')}${n > 3 ? '…' : ''}), allowed by --allow-failing-baseline and counted as already red${flaky}.`;
  }
  return e.passed
    ? `Baseline suite green${flaky}.`
    : `Baseline suite red (exit code ${e.exitCode}), allowed by --allow-failing-baseline.`;
}
