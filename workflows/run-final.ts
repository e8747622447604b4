// A run's last steps: the final validation (full suite, e2e), with the advisory run review beside it.
import { setHandler } from '@temporalio/workflow';
import type { TestEvidence } from '../core/types';
import { testActivities } from './activity-proxies';
import type { RunProgress } from './run-progress';
import type { At } from './run-prepare';
import { branchReadySignal } from './run-messages';
import { REVIEW_GRACE_MS, type RunningReview, startRunReview } from './run-review';

/** The full suite on the final branch (unless a batch's suite passed on that very commit), and the e2e suite (unless a phase's passed on it). Returns whether both passed. */
async function finalValidation(run: RunProgress, { ctx, tip }: At): Promise<boolean> {
  const { report, settings, validated } = run;
  const tests = testActivities();
  const alreadyValidated = validated && validated.sha === tip && validated.suite.command === ctx.testCommand;
  report.final = alreadyValidated
    ? {
        ...validated.suite,
        alreadyValidatedBy: validated.label,
        verdict: `not run again: ${tip.slice(0, 10)} is the commit the full suite of ${validated.label} passed on`,
      }
    : await tests.runBranchTests({
        runId: settings.runId,
        repoPath: settings.repoPath,
        command: ctx.testCommand,
        label: 'final',
        baseline: ctx.baseline,
        flakyReruns: settings.flakyReruns,
      });
  // The e2e command was resolved at preparation (--e2e-cmd, else detected); --e2e-after never runs none.
  const e2eCommand = ctx.e2eCommand ?? (settings.e2eAfter === 'never' ? undefined : settings.e2eCommand);
  const e2ePassed = run.e2ePassed;
  if (e2eCommand) {
    report.e2e =
      e2ePassed?.sha === tip
        ? {
            ...e2ePassed.evidence,
            alreadyValidatedBy: e2ePassed.label,
            verdict: `not run again: ${tip.slice(0, 10)} is the commit the e2e suite of ${e2ePassed.label} passed on`,
          }
        : await tests.runBranchTests({
            runId: settings.runId,
            repoPath: settings.repoPath,
            command: e2eCommand,
            label: 'e2e',
            baseline: { failing: [], flaky: ctx.baseline.flaky },
            flakyReruns: settings.flakyReruns,
            comparedToBase: false,
          });
  }
  const finalOk = report.final.passed && (!report.e2e || report.e2e.passed);
  if (finalOk) report.status = 'completed';
  else
    run.fail(
      `final validation failed on ${report.branch}: ${[report.final, report.e2e]
        .filter((e): e is TestEvidence => !!e && !e.passed)
        .map((e) => `${e.command} (${e.failingTests.join('; ') || `exit ${e.exitCode}`})`)
        .join(', ')}`,
    );
  return finalOk;
}

const reviewWanted = (run: RunProgress) => (run.settings.review ?? 'gate') !== 'off';
const reviewOf = (run: RunProgress, tip: string) =>
  startRunReview({
    runId: run.settings.runId,
    repoPath: run.settings.repoPath,
    baseSha: run.report.baseSha!,
    model: run.settings.reviewModel ?? run.settings.model,
    tip,
  });

/**
 * The run-level review (advisory) starts as soon as the last batch's changes are all on the run branch (its
 * branchReady signal), beside that batch's suite: off the run's critical path.
 */
export function reviewBesideLastSuite(run: RunProgress): { review?: RunningReview } {
  const early: { review?: RunningReview } = {};
  setHandler(branchReadySignal, (b) => {
    const last = run.outline?.phases.flatMap((p) => p.batches).at(-1)?.id;
    if (
      b.batch === last &&
      !early.review &&
      !run.control.retry.length &&
      !run.control.abort &&
      run.report.status === 'running' &&
      reviewWanted(run)
    )
      early.review = reviewOf(run, b.tip);
  });
  return early;
}

/**
 * The final validation with the run review beside it: the one started beside the last batch's suite when the branch
 * is still where it reviewed it, else a new one. A run otherwise done waits for it REVIEW_GRACE_MS at most; what it
 * paid for is on the bill either way.
 */
export async function finalValidationAndReview(run: RunProgress, at: At, early?: RunningReview): Promise<void> {
  let reviewing = early;
  if (reviewing && reviewing.tip !== at.tip) {
    reviewing.cancel();
    reviewing = undefined;
  }
  if (!reviewing && reviewWanted(run) && run.state.counts(run.unseen).committed > 0) reviewing = reviewOf(run, at.tip);
  await finalValidation(run, at);
  if (reviewing) run.report.runReview = await reviewing.settle(REVIEW_GRACE_MS);
}
