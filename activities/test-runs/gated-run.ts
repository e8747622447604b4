import type { Baseline, TestEvidence } from '../../core/types';
import { heartbeatSafe } from '../heartbeat';
import { type ReportedRun, type SavedBaseline, baselineReportRun, gatedReportRun } from './run-with-report';

/** What a gate needs besides the command: the baseline, what the change edited, and how wide the run is. */
export interface Gate {
  baseline: Baseline;
  /** The base's per-test results (readSavedBaseline of baseline.results.json); null to judge without them (e.g. an e2e command never run at the base). */
  saved: SavedBaseline | null;
  /** Files the change edited: tests removed from them are allowed; tests vanishing elsewhere are not. */
  edited: string[];
  /** False for a narrowed command (a task's own tests, related tests): files it did not run are not "missing". */
  fullSuite: boolean;
  /** Re-runs of the failures before a verdict (--flaky-reruns, default 3). */
  flakyReruns?: number;
  /** Files the run branch changed between the base and the commit this run started from (earlier tasks' commits). */
  changedSinceBase?: string[];
}

const unique = (xs: string[]) => [...new Set(xs)];
const totalMs = (runs: ReportedRun[]) => runs.reduce((ms, r) => ms + r.result.durationMs, 0);

/**
 * A test run judged against the baseline from the runner's own per-test report (see verdict.ts): a test or
 * file green at the base and red now, a file that fails to load, an exit the failures do not explain, or
 * tests vanishing from a file the change did not edit all fail it. What fails is re-run first, alone, up to
 * `flakyReruns` times: a test that passes on a re-run is flaky and never blamed.
 */
export async function gatedTestRun(command: string, cwd: string, logPath: string, g: Gate): Promise<TestEvidence> {
  const judged = await gatedReportRun(command, cwd, logPath, {
    baseline: g.saved,
    knownFlaky: g.baseline.flaky,
    edited: g.edited,
    fullSuite: g.fullSuite,
    maxReruns: g.flakyReruns,
    onTick: heartbeatSafe,
    changedSinceBase: g.changedSinceBase,
  });
  const first = judged.runs[0].result;
  const v = judged.verdict;
  const flaky = unique([...v.flaky, ...judged.newFlaky]);
  return {
    command,
    passed: v.passed,
    exitCode: first.exitCode,
    failingTests: v.passed ? [] : v.failing,
    tail: first.tail,
    logPath,
    durationMs: totalMs(judged.runs),
    verdict: v.reason,
    ...(flaky.length ? { flaky } : {}),
    ...(v.preExisting.length ? { preExisting: v.preExisting } : {}),
    ...(v.removed.length ? { removedTests: v.removed } : {}),
  };
}

/**
 * The suite at the base: once, then its failures re-run up to `flakyReruns` times. Tests red on every run
 * are the baseline's red tests; tests that passed on a re-run are flaky (a base whose only failures are
 * flaky is green). The per-test results are saved to `baselineFile` for every later gate.
 */
export async function baselineTestRun(
  command: string,
  cwd: string,
  logPath: string,
  baselineFile: string,
  flakyReruns?: number,
): Promise<{ evidence: TestEvidence; baseline: Baseline }> {
  const { saved, runs } = await baselineReportRun(command, cwd, logPath, baselineFile, {
    onTick: heartbeatSafe,
    maxReruns: flakyReruns,
  });
  const first = runs[0].result;
  const evidence: TestEvidence = {
    command,
    passed: saved.passed,
    exitCode: saved.exitCode,
    failingTests: saved.failing,
    tail: first.tail,
    logPath,
    durationMs: totalMs(runs),
    verdict: saved.reason,
    ...(saved.flaky.length ? { flaky: saved.flaky } : {}),
  };
  return { evidence, baseline: { failing: saved.failing, flaky: saved.flaky } };
}
