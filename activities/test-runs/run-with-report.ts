import * as fs from 'node:fs';
import * as path from 'node:path';
import { type CommandResult, runShell } from './run-shell';
import { ensureNodeReporter } from './reports/node-reporter';
import {
  goJsonText,
  parseCargoText,
  parseGoJson,
  parseJestJson,
  parseJunit,
  parseMochaJson,
  parseNodeEvents,
} from './reports/parse-reports';
import { type TestRef, type TestResults } from './reports/results';
import { nameFilterOf } from './name-filter';
import {
  baselineWithReruns,
  type BaselineOutcome,
  judgeWithReruns,
  type JudgedRun,
  type RunOnce,
  type RunOutcome,
} from './reruns';
import { planRun, type ReportFormat, type ReporterPlan } from './reports/with-reporter';
import { packageScripts } from '../package-json';
import { readTextSafe } from '../safe-read';

/** A report (or a log read as one) over this is not read: the run goes on from the output text. */
const MAX_REPORT_BYTES = 128 * 1024 * 1024;

/**
 * Runs a test command with its runner's reporter and reads the results (the impure half of this folder):
 * one run, a RunOnce for the re-run logic, and the two gates the activities need (a change's tests
 * against the baseline, and the baseline itself).
 */

const EXTENSION: Record<ReportFormat, string> = {
  'jest-json': 'json',
  'vitest-json': 'json',
  'mocha-json': 'json',
  'node-events': 'jsonl',
  junit: 'xml',
  'go-json': 'jsonl',
  'cargo-text': 'txt',
};

/** Parses a report of `format`; throws when the text is not that format. */
export function parseReport(format: ReportFormat, text: string, cwd?: string): TestResults {
  switch (format) {
    case 'jest-json':
    case 'vitest-json':
      return parseJestJson(text, cwd);
    case 'node-events':
      return parseNodeEvents(text, cwd);
    case 'junit':
      return parseJunit(text, cwd);
    case 'go-json':
      return parseGoJson(text);
    case 'mocha-json':
      return parseMochaJson(text, cwd);
    case 'cargo-text':
      return parseCargoText(text, cwd);
  }
}

export interface ReportedRun extends RunOutcome {
  result: CommandResult;
  plan: ReporterPlan;
  /** Where the results came from: the runner's report, or (fallback) the output text. */
  source: 'report' | 'text';
  /** Why the fallback, when there was one. */
  note?: string;
}

/** Runs `command` (or just `only` of it) in `cwd` with the runner's reporter; never rejects on a failing run. */
export async function runWithReport(
  command: string,
  cwd: string,
  logPath: string,
  opts: { scripts?: Record<string, string>; only?: TestRef[]; timeoutMs?: number; onTick?: () => void } = {},
): Promise<ReportedRun> {
  const scripts = opts.scripts ?? packageScripts(cwd);
  // The report (and node's reporter) live in a folder of this run's own, the one place besides the worktree
  // the sandboxed command may write: the run's other logs and records stay out of its reach.
  const reportDir = `${logPath.replace(/\.log$/, '')}.report`;
  const probe = planRun(command, scripts, path.join(reportDir, 'report'), opts.only);
  const outFile = path.join(reportDir, `report.${probe.format ? EXTENSION[probe.format] : 'out'}`);
  const plan = planRun(command, scripts, outFile, opts.only);
  fs.rmSync(reportDir, { recursive: true, force: true });
  fs.mkdirSync(reportDir, { recursive: true });
  if (plan.format === 'node-events') ensureNodeReporter(reportDir);
  const result = await runShell(plan.command, cwd, logPath, {
    timeoutMs: opts.timeoutMs,
    onTick: opts.onTick,
    writable: [reportDir],
  });
  const textFallback = (note: string): ReportedRun => {
    fs.appendFileSync(logPath, `# results read from the output text: ${note}\n`);
    return {
      result,
      plan,
      exitCode: result.exitCode,
      results: null,
      textFailures: result.failingTests,
      source: 'text',
      note,
    };
  };
  if (!plan.format) return textFallback(plan.note ?? 'no report');
  let text: string;
  try {
    // The command wrote the report: it may be a FIFO, a link or huge (safe-read.ts).
    text = await readTextSafe(plan.reportFile ?? logPath, MAX_REPORT_BYTES);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return textFallback(
      code === 'ENOENT'
        ? `${plan.runner} wrote no report to ${plan.reportFile}`
        : `${plan.runner}'s report was not read: ${(err as Error).message}`,
    );
  }
  if (!text.trim()) return textFallback(`${plan.runner}'s report ${plan.reportFile} is empty`);
  let results: TestResults;
  try {
    results = parseReport(plan.format, text, cwd);
  } catch (err) {
    return textFallback(`${plan.runner}'s report could not be read (${(err as Error).message})`);
  }
  if (plan.format === 'go-json') {
    const human = goJsonText(text);
    result.tail = human.split('\n').slice(-60).join('\n').slice(-6000);
    if (result.exitCode !== 0)
      result.failingTests = results.tests.filter((t) => t.status === 'failed').map((t) => t.name);
  }
  return { result, plan, exitCode: result.exitCode, results, source: 'report' };
}

/** A RunOnce over `command` whose runs log to `logPath`, then `….rerun-1.log`, `….rerun-2.log`… Keeps every run for the evidence. */
export function reportingRunner(
  command: string,
  cwd: string,
  logPath: string,
  opts: { onTick?: () => void; timeoutMs?: number } = {},
): { runOnce: RunOnce; runs: ReportedRun[] } {
  const runs: ReportedRun[] = [];
  const scripts = packageScripts(cwd);
  const runOnce: RunOnce = async (only) => {
    const log = runs.length === 0 ? logPath : logPath.replace(/(\.log)?$/, `.rerun-${runs.length}.log`);
    const run = await runWithReport(command, cwd, log, { ...opts, scripts, only: only ?? undefined });
    runs.push(run);
    return run;
  };
  return { runOnce, runs };
}

/** The base's results, saved as JSON next to its log for the gates of the run's changes. */
export interface SavedBaseline extends BaselineOutcome {
  command: string;
  runner?: string;
}

/** Runs the suite at the base with re-runs of its failures, and saves the outcome to `savePath`. */
export async function baselineReportRun(
  command: string,
  cwd: string,
  logPath: string,
  savePath: string,
  opts: { onTick?: () => void; maxReruns?: number } = {},
): Promise<{ saved: SavedBaseline; runs: ReportedRun[] }> {
  const { runOnce, runs } = reportingRunner(command, cwd, logPath, opts);
  const runner = planRun(command, packageScripts(cwd), '/dev/null').runner;
  const outcome = await baselineWithReruns(runOnce, { runner, maxReruns: opts.maxReruns });
  const saved: SavedBaseline = { ...outcome, command, ...(runner ? { runner } : {}) };
  fs.mkdirSync(path.dirname(savePath), { recursive: true });
  fs.writeFileSync(savePath, JSON.stringify(saved, null, 2) + '\n');
  return { saved, runs };
}

/** The module path in `cwd`'s go.mod, if any. */
export function goModuleOf(cwd: string): string | undefined {
  try {
    return /^\s*module\s+("?)([^\s"]+)\1/m.exec(fs.readFileSync(path.join(cwd, 'go.mod'), 'utf8'))?.[2];
  } catch {
    return undefined;
  }
}

/** Reads a baseline saved by baselineReportRun; null when there is none. */
export function readSavedBaseline(savePath: string): SavedBaseline | null {
  try {
    return JSON.parse(fs.readFileSync(savePath, 'utf8')) as SavedBaseline;
  } catch {
    return null;
  }
}

/**
 * A change's tests judged against the baseline with re-runs of what it would be blamed for. `command` is
 * what to run (the suite, or a narrowed command: then `fullSuite` is false); `edited` the task's files.
 */
export async function gatedReportRun(
  command: string,
  cwd: string,
  logPath: string,
  a: {
    baseline: SavedBaseline | null;
    knownFlaky: string[];
    edited: string[];
    fullSuite: boolean;
    maxReruns?: number;
    onTick?: () => void;
    changedSinceBase?: string[];
  },
): Promise<JudgedRun & { runs: ReportedRun[] }> {
  const { runOnce, runs } = reportingRunner(command, cwd, logPath, { onTick: a.onTick });
  const scripts = packageScripts(cwd);
  const runner = planRun(command, scripts, '/dev/null').runner;
  const filter = nameFilterOf(command, scripts);
  if (filter)
    fs.appendFileSync(
      logPath,
      `# name filter: ${filter.describe}: baseline tests it does not select are not expected\n`,
    );
  const judged = await judgeWithReruns(runOnce, {
    baseline: a.baseline?.results ?? null,
    knownFlaky: [...a.knownFlaky, ...(a.baseline?.flaky ?? [])],
    edited: a.edited,
    fullSuite: a.fullSuite,
    runner,
    maxReruns: a.maxReruns,
    baselineTextFailures: a.baseline?.results ? undefined : a.baseline?.failing,
    expected: {
      ...(filter ? { selects: (t) => filter.selects(t) } : {}),
      ...(a.changedSinceBase?.length ? { changedSinceBase: a.changedSinceBase } : {}),
      ...(runner === 'go' ? { goModule: goModuleOf(cwd) } : {}),
      expectResults: !!a.baseline?.results && a.baseline.command === command,
    },
  });
  fs.appendFileSync(logPath, `# verdict: ${judged.verdict.passed ? 'passed' : 'failed'}: ${judged.verdict.reason}\n`);
  return { ...judged, runs };
}
