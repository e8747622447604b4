import { isTestFailureExit, verdict, type Verdict, type VerdictInput } from './verdict';
import { refId, type TestRef, type TestResults, testId } from './reports/results';

/**
 * Flaky tests told apart from broken ones by re-running only the failures, with the runner's own filter,
 * up to N times: a test (or file) that passes on any re-run is flaky for the rest of the run. The runner
 * comes in as a function, so this is testable with a fake one.
 */

/** One run of the tests: the whole command (`only` null) or just `only`. */
export interface RunOutcome {
  exitCode: number;
  /** Null when the runner wrote no usable report. */
  results: TestResults | null;
  /** Failing names scraped from the output (used only without a report). */
  textFailures?: string[];
}

export type RunOnce = (only: TestRef[] | null) => Promise<RunOutcome>;

export const DEFAULT_RERUNS = 3;

/** Which of `candidates` passed in `rerun`: a test that passed, or a file that loaded and had no failed test. */
export function passedIn(rerun: TestResults, candidates: TestRef[]): TestRef[] {
  const status = new Map(rerun.tests.map((t) => [testId(t), t.status]));
  const broken = new Set(rerun.fileErrors.map((e) => e.file));
  return candidates.filter((r) => {
    if (r.name !== undefined) return status.get(testId({ file: r.file, name: r.name })) === 'passed';
    const inFile = rerun.tests.filter((t) => t.file === r.file);
    return (
      !broken.has(r.file) && inFile.some((t) => t.status === 'passed') && !inFile.some((t) => t.status === 'failed')
    );
  });
}

/** The failures of `results` worth re-running: failed tests and files that failed to load, minus `skip` ids. */
export function failuresOf(results: TestResults, skip: Set<string>): TestRef[] {
  const refs: TestRef[] = [
    ...results.fileErrors.map((e) => ({ file: e.file })),
    ...results.tests.filter((t) => t.status === 'failed').map((t) => ({ file: t.file, name: t.name })),
  ];
  return refs.filter((r) => !skip.has(refId(r)));
}

/**
 * Re-runs `candidates` up to `max` times, dropping each one that passes; returns the ids that passed
 * (flaky) and how many re-runs it took. Stops early when nothing is left or a re-run gives no report.
 */
async function shakeOut(
  runOnce: RunOnce,
  candidates: TestRef[],
  max: number,
): Promise<{ flaky: string[]; reruns: number }> {
  const flaky: string[] = [];
  let left = candidates;
  let reruns = 0;
  while (left.length && reruns < max) {
    reruns++;
    const r = await runOnce(left);
    if (!r.results) break;
    const passed = new Set(passedIn(r.results, left).map(refId));
    flaky.push(...passed);
    left = left.filter((c) => !passed.has(refId(c)));
  }
  return { flaky, reruns };
}

export interface JudgeOptions {
  /** The base's results (null: the base had no report). */
  baseline: TestResults | null;
  /** Ids already known flaky (from the baseline and earlier runs). */
  knownFlaky: Iterable<string>;
  edited: string[];
  fullSuite: boolean;
  runner?: string;
  /** Re-runs of the failures, default 3. */
  maxReruns?: number;
  /** Failing names of a baseline that had only text. */
  baselineTextFailures?: string[];
  /** What decides which baseline tests this command was expected to run (see verdict.ts). */
  expected?: Pick<VerdictInput, 'selects' | 'changedSinceBase' | 'goModule' | 'expectResults'>;
}

export interface JudgedRun {
  verdict: Verdict;
  first: RunOutcome;
  reruns: number;
  /** Ids found flaky by this judgement's re-runs: flaky for the rest of the run. */
  newFlaky: string[];
}

/**
 * Runs the tests, judges them against the baseline (verdict.ts), and when the change would be blamed,
 * re-runs just the blamed tests and files up to `maxReruns` times; what passes on a re-run is flaky and
 * not blamed. Without a report the whole command is re-run, and names missing from a re-run's output are flaky.
 */
export async function judgeWithReruns(runOnce: RunOnce, opts: JudgeOptions): Promise<JudgedRun> {
  const max = opts.maxReruns ?? DEFAULT_RERUNS;
  const known = new Set(opts.knownFlaky);
  const first = await runOnce(null);
  const judge = (flaky: Set<string>) =>
    verdict({
      baseline: opts.baseline,
      run: first.results,
      exitCode: first.exitCode,
      edited: opts.edited,
      flaky,
      fullSuite: opts.fullSuite,
      runner: opts.runner,
      textFailures: first.textFailures,
      baselineTextFailures: opts.baselineTextFailures,
      ...opts.expected,
    });
  const before = judge(known);
  if (before.passed) return { verdict: before, first, reruns: 0, newFlaky: [] };

  if (!first.results) {
    const { flaky, reruns } = await shakeOutText(runOnce, first, max, opts.runner);
    const all = new Set([...known, ...flaky]);
    return { verdict: judge(all), first, reruns, newFlaky: flaky };
  }
  const baseRed = new Set([
    ...(opts.baseline?.tests ?? []).filter((t) => t.status === 'failed').map(testId),
    ...(opts.baseline?.fileErrors ?? []).map((e) => e.file),
  ]);
  const candidates = failuresOf(first.results, new Set([...known, ...baseRed]));
  if (candidates.length === 0) return { verdict: before, first, reruns: 0, newFlaky: [] };
  const { flaky, reruns } = await shakeOut(runOnce, candidates, max);
  return { verdict: judge(new Set([...known, ...flaky])), first, reruns, newFlaky: flaky };
}

/** Text mode: the whole command again; a name the first run failed that a re-run did not is flaky. */
async function shakeOutText(
  runOnce: RunOnce,
  first: RunOutcome,
  max: number,
  runner?: string,
): Promise<{ flaky: string[]; reruns: number }> {
  let left = first.textFailures ?? [];
  const flaky: string[] = [];
  let reruns = 0;
  while (left.length && reruns < max) {
    reruns++;
    const r = await runOnce(null);
    // A re-run that crashed says nothing about which names passed.
    if (r.exitCode !== 0 && (!isTestFailureExit(runner, r.exitCode) || !(r.textFailures ?? []).length)) continue;
    const still = new Set(r.exitCode === 0 ? [] : (r.textFailures ?? []));
    flaky.push(...left.filter((n) => !still.has(n)));
    left = left.filter((n) => still.has(n));
  }
  return { flaky, reruns };
}

export interface BaselineOutcome {
  /** The base's results from its first run (null without a report). */
  results: TestResults | null;
  /** Green, or green-with-flaky: every failure passed on some re-run. */
  passed: boolean;
  /** Ids red on the first run and on every re-run (tests `file::name`, files). */
  failing: string[];
  /** Ids that failed and then passed on a re-run. */
  flaky: string[];
  exitCode: number;
  textFailures?: string[];
  reason: string;
}

/** The baseline: the suite once, its failures re-run up to `maxReruns` times; a base whose only failures are flaky is green-with-flaky. */
export async function baselineWithReruns(
  runOnce: RunOnce,
  opts: { runner?: string; maxReruns?: number } = {},
): Promise<BaselineOutcome> {
  const max = opts.maxReruns ?? DEFAULT_RERUNS;
  const first = await runOnce(null);
  if (first.exitCode === 0 && (!first.results || failuresOf(first.results, new Set()).length === 0)) {
    return {
      results: first.results,
      passed: true,
      failing: [],
      flaky: [],
      exitCode: 0,
      reason: 'the suite passes at the base',
    };
  }
  if (!first.results) {
    const { flaky } = await shakeOutText(runOnce, first, max, opts.runner);
    const failing = (first.textFailures ?? []).filter((n) => !flaky.includes(n));
    const passed =
      isTestFailureExit(opts.runner, first.exitCode) && (first.textFailures ?? []).length > 0 && failing.length === 0;
    return {
      results: null,
      passed,
      failing,
      flaky,
      exitCode: first.exitCode,
      textFailures: first.textFailures,
      reason: passed
        ? `only flaky tests failed (${flaky.join('; ')}); read from the output text`
        : `the suite fails at the base (no report${failing.length ? `: ${failing.join('; ')}` : ''})`,
    };
  }
  const candidates = failuresOf(first.results, new Set());
  const { flaky } = await shakeOut(runOnce, candidates, max);
  const failing = candidates.map(refId).filter((id) => !flaky.includes(id));
  const exitExplained =
    isTestFailureExit(opts.runner, first.exitCode) && (first.exitCode === 0 || candidates.length > 0);
  const passed = failing.length === 0 && exitExplained;
  const reason = passed
    ? flaky.length
      ? `green with flaky tests: ${flaky.join('; ')}`
      : 'the suite passes at the base'
    : failing.length
      ? `the suite fails at the base: ${failing.join('; ')}`
      : `the suite exits with code ${first.exitCode} at the base with no failed test`;
  return { results: first.results, passed, failing, flaky, exitCode: first.exitCode, reason };
}
