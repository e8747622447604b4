import type { CommandResult } from './run-shell';
import type { Baseline, TestEvidence } from '../../core/types';

const minus = (xs: string[], ...others: string[][]) => xs.filter((x) => !others.some((o) => o.includes(x)));
const both = (xs: string[], ys: string[]) => xs.filter((x) => ys.includes(x));

/**
 * Judges a test run against the baseline. `first` failed and `rerun` is the same command run again:
 * tests that failed once and then passed are flaky; tests that were already red, or known flaky, are
 * not blamed. The change passes when no other test fails. Without parsable test names a non-zero exit
 * is a failure. Pure.
 */
export function judge(first: CommandResult, rerun: CommandResult | null, baseline: Baseline): TestEvidence {
  const { failingTests: _ignored, ...rest } = first;
  if (first.passed) return { ...rest, passed: true, failingTests: [] };
  const last = rerun ?? first;
  const flipped = rerun ? (rerun.passed ? first.failingTests : minus(first.failingTests, rerun.failingTests)) : [];
  const flaky = [...new Set([...flipped, ...both([...first.failingTests, ...last.failingTests], baseline.flaky)])];
  const preExisting = both(last.failingTests, baseline.failing);
  const blamed = minus(last.failingTests, baseline.failing, baseline.flaky, flipped);
  const namesKnown = last.passed || last.failingTests.length > 0;
  const passed = namesKnown && blamed.length === 0;
  return {
    ...rest,
    ...(rerun ? { tail: rerun.tail, exitCode: rerun.exitCode } : {}),
    passed,
    failingTests: passed ? [] : blamed,
    ...(flaky.length ? { flaky } : {}),
    ...(preExisting.length ? { preExisting } : {}),
  };
}

/** The baseline from a first and (when it failed) second run of the suite: consistent failures and flaky tests. */
export function baselineFrom(first: CommandResult, rerun: CommandResult | null): { evidence: TestEvidence; baseline: Baseline } {
  const evidence = judge(first, rerun, { failing: [], flaky: [] });
  const last = rerun ?? first;
  const failing = last.passed ? [] : last.failingTests.filter((t) => !(evidence.flaky ?? []).includes(t));
  const passed = first.passed || !!rerun?.passed || (failing.length === 0 && last.failingTests.length > 0);
  return { evidence: { ...evidence, passed, failingTests: failing }, baseline: { failing, flaky: evidence.flaky ?? [] } };
}
