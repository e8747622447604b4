// The run-level review (advisory) off the run's critical path: it starts as soon as the run branch holds all the
// run's changes (while the last batch's suite, or the final suite, runs), and the run waits for it only a little
// past its final validation. It never fails the run.
import { ActivityFailure, CancellationScope, sleep } from '@temporalio/workflow';
import type { RunReview } from '../core/types';
import { noUsage } from '../core/usage';
import { agentActivities } from './activity-proxies';

/** How long a run that is otherwise done waits for its review before it finishes without it. */
export const REVIEW_GRACE_MS = 15_000;

export interface RunningReview {
  /** The run branch's tip it reviews. */
  tip: string;
  /** Its result, or what kept it from one; after `graceMs`, an error saying it was left out (and it is cancelled). */
  settle(graceMs: number): Promise<RunReview>;
  cancel(): void;
}

const messageOf = (err: unknown) => {
  const cause = err instanceof ActivityFailure && err.cause ? err.cause : err;
  return cause instanceof Error ? cause.message : String(cause);
};

/** Starts the review of the run's commits from `baseSha` to the run branch, which is at `tip` now. */
export function startRunReview(a: { runId: string; repoPath: string; baseSha: string; model: string; tip: string }): RunningReview {
  const scope = new CancellationScope();
  let done: RunReview | undefined;
  const result = scope
    .run(() => agentActivities().reviewRun.executeWithOptions({ summary: `Run review (advisory): one pass per category over the run's diff, by ${a.model}` }, [{ runId: a.runId, repoPath: a.repoPath, baseSha: a.baseSha, model: a.model }]))
    .catch((err): RunReview => ({ model: a.model, notes: [], usage: noUsage(), error: messageOf(err) }))
    .then((r) => (done = r));
  return {
    tip: a.tip,
    async settle(graceMs) {
      if (!done) await Promise.race([result, sleep(graceMs)]);
      if (done) return done;
      scope.cancel();
      return { model: a.model, notes: [], usage: noUsage(), error: `not finished ${graceMs / 1000} s after the final validation: the run did not wait for it (advisory); its transcripts so far are in run-review/` };
    },
    cancel: () => scope.cancel(),
  };
}
