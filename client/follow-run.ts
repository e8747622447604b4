import * as fs from 'node:fs';
import { Client, WorkflowFailedError } from '@temporalio/client';
import * as path from 'node:path';
import { runDir } from '../activities/run-paths';
import type { BatchState, RunReport, TestEvidence } from '../core/types';
import { statusQuery } from '../workflows/run-messages';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Planned tasks that have ended (committed, skipped or failed). */
const doneCount = ({ counts: c }: RunReport) => c.planned - c.pending - c.running - c['awaiting-approval'];

/** "  … 120/500 tasks done (118 committed, 2 skipped), 4 running in batch 1A" */
export function progressLine(r: RunReport): string {
  const c = r.counts;
  // Task files skipped at planning are not among the planned tasks (the run always holds them in memory).
  const skipped = c.skipped - r.tasks.filter((t) => !t.batch && t.status === 'skipped').length;
  const parts = [`${c.committed} committed`, ...(skipped ? [`${skipped} skipped`] : []), ...(c.failed ? [`${c.failed} failed`] : [])];
  const batch = r.batches.find((b) => b.state === 'running');
  const cost = r.usage.costUsd !== undefined ? `, $${r.usage.costUsd.toFixed(2)} so far` : '';
  return `  … ${doneCount(r)}/${c.planned} tasks done (${parts.join(', ')}), ${c.running} running${batch && c.running ? ` in batch ${batch.id}` : ''}${cost}`;
}

function batchLine(b: BatchState, report: RunReport): string {
  const mine = report.tasks.filter((t) => t.batch === b.id);
  const count = (s: 'committed' | 'skipped' | 'failed') => b.outcome?.[s] ?? mine.filter((t) => t.status === s).length;
  // A batch of an earlier segment may have left memory before this poll: its counts are in report.json.
  const parts = b.outcome || mine.length ? [`${count('committed')} committed`] : ['done'];
  if (count('skipped')) parts.push(`${count('skipped')} skipped`);
  if (count('failed')) parts.push(`${count('failed')} failed`);
  const suite = b.suite ? `, suite ${b.suite.passed ? 'green' : 'red'}` : '';
  return `  batch ${b.id.padEnd(4)} ${b.mode.padEnd(10)} ${parts.join(', ')}${suite}  [${doneCount(report)}/${report.counts.planned} tasks done]  ${b.label}`;
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
  return record.sandboxed ? `Sandbox: ${record.detail}` : `WARNING: this run is NOT sandboxed: ${record.detail}. See SECURITY.md.`;
}

/**
 * Prints a line per batch as the run goes (polling the run's status query), then returns the final
 * report, whether the run completed or failed.
 */
export async function followRun(client: Client, workflowId: string, out: (line: string) => void, pollMs = 1000, progressEveryMs = 15_000): Promise<RunReport> {
  const handle = client.workflow.getHandle(workflowId);
  const printed = new Set<string>();
  const announcedWaiting = new Set<string>();
  let lastProgress = { at: Date.now(), done: -1 };
  let lastStatus = '';
  let announced = false;
  let sandboxTold = false;
  let finished = false;
  const result = handle.result().then(
    (r: RunReport) => r,
    (err: unknown) => {
      if (err instanceof WorkflowFailedError) return null;
      throw err;
    },
  );
  result.finally(() => (finished = true)).catch(() => undefined);
  const poll = async () => {
    let report: RunReport;
    try {
      report = await handle.query(statusQuery);
    } catch {
      return; // not answered yet (no worker, or the workflow is between tasks)
    }
    if (report.status !== lastStatus) {
      lastStatus = report.status;
      if (report.planPath && report.status === 'running') out(`Plan: ${report.planPath}`);
      if (!sandboxTold && report.status !== 'starting') {
        const line = sandboxLine(report.repoPath, report.runId);
        if (line) {
          sandboxTold = true;
          out(line);
        }
      }
      if (report.status === 'paused') out(`Paused: ${report.reason ?? 'by the operator'} (flotilla resume ${report.runId})`);
      if (report.status === 'running' && !announced) {
        announced = true;
        const n = report.counts.planned;
        const segments = report.segment ? ` (${report.segment.of} segments: the run workflow continues-as-new between them)` : '';
        out(`${baselineLine(report.baseline)} Executing ${n} tasks in ${report.batches.length} batches${segments}…`);
      }
    }
    for (const b of report.batches) {
      if (b.state === 'done' && !printed.has(b.id)) {
        printed.add(b.id);
        out(batchLine(b, report));
        lastProgress = { at: Date.now(), done: doneCount(report) };
      }
    }
    const waiting = report.tasks.filter((t) => t.status === 'awaiting-approval' && !announcedWaiting.has(t.id));
    for (const t of waiting) {
      announcedWaiting.add(t.id);
      out(`  ${t.id} (${t.title}) waits for approval: flotilla approve ${report.runId} ${t.id}`);
    }
    // A wide batch can take hours: say how far it is every so often.
    const done = doneCount(report);
    if (report.status === 'running' && done !== lastProgress.done && Date.now() - lastProgress.at >= progressEveryMs) {
      lastProgress = { at: Date.now(), done };
      out(progressLine(report));
    }
  };
  while (!finished) {
    await poll();
    await Promise.race([sleep(pollMs), result]);
  }
  await poll();
  const final = await result;
  if (final) return final;
  return handle.query(statusQuery);
}

export function summaryLines(report: RunReport): string[] {
  const lines: string[] = [];
  const c = report.counts;
  const notDone = report.tasks.filter((t) => t.status === 'skipped' || t.status === 'failed');
  lines.push(`Run ${report.runId}: ${report.status}${report.reason ? ` (${report.reason})` : ''}`);
  lines.push(`  ${c.committed} task(s) committed on ${report.branch ?? '(no branch)'}, ${c.skipped + c.failed} skipped or failed`);
  for (const t of notDone.slice(0, 50)) lines.push(`  - ${t.id} ${t.status}: ${t.reason ?? 'no reason recorded'}`);
  if (notDone.length > 50) lines.push(`  … and ${notDone.length - 50} more (see review.md)`);
  if (report.baseline) lines.push(`  ${baselineLine(report.baseline)}`);
  if (report.final) {
    const again = report.final.alreadyValidatedBy ? `; not run again: the same commit passed the full suite of ${report.final.alreadyValidatedBy}` : '';
    lines.push(`  Final suite on the run branch: ${report.final.passed ? 'passed' : 'FAILED'} (${report.final.command}${again})`);
  }
  const u = report.usage;
  const cost = u.costUsd !== undefined ? ` (about $${u.costUsd.toFixed(4)} at ${report.model} list prices)` : '';
  lines.push(`  Tokens: ${u.inputTokens} in, ${u.outputTokens} out, ${u.cacheReadTokens} cache read, ${u.cacheWriteTokens} cache write${cost}`);
  lines.push(`  Review: ${path.join(runDir(report.repoPath, report.runId), 'review.md')} (report.json beside it)`);
  return lines;
}

/** What the baseline suite said, honestly: green, green with flaky tests, or red tests that were allowed. */
export function baselineLine(e: TestEvidence | undefined): string {
  if (!e) return 'Baseline suite not run.';
  const flaky = e.flaky?.length ? ` (${e.flaky.length} flaky test${e.flaky.length > 1 ? 's' : ''}, never blamed: ${e.flaky.slice(0, 3).join('; ')}${e.flaky.length > 3 ? '…' : ''})` : '';
  if (e.failingTests.length) {
    const n = e.failingTests.length;
    return `Baseline suite red: ${n} test${n > 1 ? 's' : ''} already failing (${e.failingTests.slice(0, 3).join('; ')}${n > 3 ? '…' : ''}), allowed by --allow-failing-baseline and counted as already red${flaky}.`;
  }
  return e.passed ? `Baseline suite green${flaky}.` : `Baseline suite red (exit code ${e.exitCode}), allowed by --allow-failing-baseline.`;
}
