// The run-level review (advisory), after the final suite: one activity per category, so each model call is
// dispatched (and counted by --agent-rpm) on the shared agents queue, retried alone, and paid once. Sandbox-safe.
import {
  ActivityFailure,
  type ActivityOptions,
  CancellationScope,
  proxyActivities,
  sleep,
  workflowInfo,
} from '@temporalio/workflow';
import type { AgentActivities, MainActivities } from '../activities';
import { agentQueue } from '../core/task-queues';
import type { RunReview } from '../core/types';
import { addUsage, noUsage } from '../core/usage';
import { longOptions } from './activity-proxies';

/** How long a run that is otherwise done waits for its review (started beside the last suite) before it finishes without it. */
export const REVIEW_GRACE_MS = 15_000;

/** The whole review's time: advice is not worth keeping a finished run open for. */
export const RUN_REVIEW_BUDGET_MS = 3 * 60_000;

/** A category's call: a few quick tries (an overloaded API is waited for a little, not for minutes). */
const reviewOptions: ActivityOptions = {
  ...longOptions,
  startToCloseTimeout: '5 minutes',
  retry: { ...longOptions.retry, maximumAttempts: 4, maximumInterval: '15 seconds' },
};

const messageOf = (err: unknown) => {
  const cause = err instanceof ActivityFailure && err.cause ? err.cause : err;
  return cause instanceof Error ? cause.message : String(cause);
};

/**
 * One pass per category over the run's combined diff (the categories listed by one activity on the run's queue, each
 * pass its own activity on the shared agents queue, checkpointed: activities/review/run-review.ts). A category whose
 * pass fails, or that the budget does not reach, is named in `error`; the review never fails the run.
 */
export async function reviewRunByCategory(
  a: {
    runId: string;
    repoPath: string;
    baseSha: string;
    model: string;
  },
  /** Filled as the passes answer, so a caller that stops waiting still has what was reviewed (startRunReview). */
  review: RunReview = { model: a.model, notes: [], usage: noUsage() },
): Promise<RunReview> {
  const started = Date.now();
  const { runReviewCategories } = proxyActivities<Pick<MainActivities, 'runReviewCategories'>>({
    startToCloseTimeout: '2 minutes',
    retry: { maximumAttempts: 3 },
  });
  const reviewer = proxyActivities<Pick<AgentActivities, 'reviewRunCategory'>>({
    ...reviewOptions,
    taskQueue: agentQueue(workflowInfo().taskQueue),
  });
  const problems: string[] = [];
  const note = (problem: string) => {
    problems.push(problem);
    review.error = problems.join('; ').slice(0, 2000);
  };
  for (const category of await runReviewCategories(a)) {
    const left = RUN_REVIEW_BUDGET_MS - (Date.now() - started);
    if (left <= 0) {
      note(`${category}: not reviewed (the run review's ${RUN_REVIEW_BUDGET_MS / 60_000} minutes ran out)`);
      continue;
    }
    try {
      const r = await reviewer.reviewRunCategory.executeWithOptions(
        { summary: `Run review (advisory) of ${category}, by ${a.model}`, scheduleToCloseTimeout: left },
        [{ ...a, category }],
      );
      review.notes.push(r.note);
      addUsage(review.usage, r.usage);
    } catch (err) {
      note(`${category}: ${messageOf(err)}`);
    }
  }
  return review;
}

/** A run review under way, started off the run's critical path (beside the last batch's suite, or the final suite). */
export interface RunningReview {
  /** The run branch's tip it reviews. */
  tip: string;
  /** Its result, or what kept it from one; after `graceMs`, an error saying it was left out (and it is cancelled). */
  settle(graceMs: number): Promise<RunReview>;
  cancel(): void;
}

/** Starts reviewRunByCategory on the run's commits from `baseSha` to the run branch, which is at `tip` now. */
export function startRunReview(a: {
  runId: string;
  repoPath: string;
  baseSha: string;
  model: string;
  tip: string;
}): RunningReview {
  const scope = new CancellationScope();
  let done: RunReview | undefined;
  const partial: RunReview = { model: a.model, notes: [], usage: noUsage() };
  const result = scope
    .run(() =>
      reviewRunByCategory({ runId: a.runId, repoPath: a.repoPath, baseSha: a.baseSha, model: a.model }, partial),
    )
    .catch((err): RunReview => ({ model: a.model, notes: [], usage: noUsage(), error: messageOf(err) }))
    .then((r) => (done = r));
  return {
    tip: a.tip,
    async settle(graceMs) {
      if (!done) await Promise.race([result, sleep(graceMs)]);
      if (done) return done;
      scope.cancel();
      // What was answered stays (and is on the bill); what was not is named.
      const left = `not finished ${graceMs / 1000} s after the final validation: the run did not wait for the rest (advisory); its transcripts so far are in run-review/`;
      return { ...partial, notes: [...partial.notes], error: [partial.error, left].filter(Boolean).join('; ') };
    },
    cancel: () => scope.cancel(),
  };
}
