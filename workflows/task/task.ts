import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  isCancellation,
  setCurrentDetails,
  TimeoutFailure,
} from '@temporalio/workflow';
import { laneKeeper } from '../batch/lanes';
import { agentActivities, activitiesOnHost, mainActivities, testActivities } from '../activity-proxies';
import type { TaskHost } from '../../core/task-queues';
import { cutBytes } from '../../core/search-attributes';
import { upsertFlotillaState } from '../search-attributes';
import type { TaskInput, TaskOutcome } from '../types';
import { addUsage, noUsage } from '../../core/usage';
import type { TaskReview, TokenUsage } from '../../core/types';
import { reviewAttempt, reviewFeedback, reviewModeOf } from './review-step';
import { agentTurns } from './agent-turns';

/** The Web UI's "current details" of a task (no history: read through a query), e.g. "**TASK-0007** attempt 2 of 2: testing". */
function showStep(taskId: string, attempt: number, of: number, step: string): void {
  setCurrentDetails(`**${taskId}** attempt ${attempt} of ${of}: ${step}`);
}

/** How many times a task starts again because the host holding its worktree stopped, before it fails. */
const MAX_HOST_LOSSES = 3;

/** The host that held a task's worktree stopped before a step could run there. */
class HostLost extends Error {
  constructor(readonly host: TaskHost) {
    super(`the worker holding the worktree (${host.queue}) stopped`);
  }
}

/** A step waited on its host's queue past the host's schedule-to-start timeout. */
const waitedTooLong = (err: unknown) =>
  err instanceof ActivityFailure &&
  err.cause instanceof TimeoutFailure &&
  err.cause.timeoutType === 'SCHEDULE_TO_START';

/**
 * One task: the agent edits a fresh worktree, the task's tests judge it, and a passing change is
 * committed with the archive move. A failing one is retried with the test output as feedback, then
 * rolled back (its worktree discarded) and skipped with the failing tests as the reason. A change that
 * passes is reviewed before its commit (unless --review off): a request for changes goes back to the agent
 * like failing tests, and with --review gate the last one skips the task ("review: …").
 */
export async function taskWorkflow({ ctx, task, baseSha, lanes, waitForLane }: TaskInput): Promise<TaskOutcome> {
  const main = mainActivities();
  const lane = laneKeeper(task.id, lanes === 'agent-only', !!waitForLane);
  const tests = testActivities();
  const agents = agentActivities();
  // Host affinity: the worktree is on the disk of the worker whose agent made it, so the agent's later turns and the task's tests, review, commit and removal go to that
  // worker's own queues. Each attempt's agent starts on the shared agents queue (its first model turn counts
  // against --agent-rpm across all workers, as does the permit of each later turn), from a fresh worktree,
  // wherever it lands.
  let host: TaskHost | undefined;
  const hostsUsed: TaskHost[] = [];
  const hostsLost = new Set<string>();
  let hostLosses = 0;
  const here = () => (host ? activitiesOnHost(host) : { main, tests, agents });
  /** A step on the host that holds the worktree: while it waits there too long and the host is gone, HostLost. */
  const onHost = async <T>(step: () => Promise<T>): Promise<T> => {
    for (;;) {
      try {
        return await step();
      } catch (err) {
        if (!host || !waitedTooLong(err)) throw err;
        // Busy, or gone? A live host still polls its queue: then the step waits there again.
        if (await main.hostAlive({ queue: host.queue })) continue;
        throw new HostLost(host);
      }
    }
  };
  const ref = { runId: ctx.runId, repoPath: ctx.repoPath, taskId: task.id };
  const usage = noUsage();
  const command = task.tests ?? ctx.testCommand;
  let feedback: string | undefined;
  let feedbackFrom: 'tests' | 'review' | undefined;
  /** What the last failed test run blamed on the change: the next attempt's agent reads their blocks from its log. */
  let failed: { failingTests: string[]; testVerdict?: string } | undefined;
  const reviewMode = reviewModeOf(ctx);
  let review: TaskReview | undefined;
  const reviewed = () => (review ? { review } : {});
  let outcome: TaskOutcome = { id: task.id, status: 'skipped', reason: 'not attempted', attempts: 0, usage };
  let cancelled = false;
  /** What each attempt's conversation has cost so far (durable turns), kept when a host loss starts the attempt again. */
  const conversationSpent = new Map<number, TokenUsage>();
  /** Removes the worktree from every host that made one for this task (a host that stopped is left to `flotilla gc`). */
  const removeEverywhere = async (live: TaskHost[]) => {
    if (!live.length) return main.removeTaskWorktree(ref);
    await Promise.all(
      live.map((h) =>
        activitiesOnHost(h)
          .main.removeTaskWorktree(ref)
          .catch(() => undefined),
      ),
    );
  };
  /** One attempt: the agent, then (on the host that holds its worktree) the tests, the review and the commit. */
  const oneAttempt = async (attempt: number): Promise<'again' | 'done'> => {
    await lane.take();
    host = undefined;
    const step = (what: string) => showStep(task.id, attempt, ctx.settings.attempts, what);
    step(
      `agent (${ctx.settings.model})${feedbackFrom ? `, with the ${feedbackFrom === 'review' ? "reviewer's comments" : 'failing tests'}` : ''}`,
    );
    const agentInput = {
      ...ref,
      baseSha,
      sourcePath: task.sourcePath,
      model: ctx.settings.model,
      maxTurns: ctx.settings.maxTurns,
      testCommand: command,
      attempt,
      feedback,
      ...(feedbackFrom === 'review' ? { feedbackFrom } : {}),
      ...(feedbackFrom === 'tests' && failed ? failed : {}),
      tokenBudget: ctx.settings.maxTokensPerTask,
      setupCommand: ctx.settings.setupCommand,
    };
    const useHost = (h: TaskHost | undefined) => {
      if (!h) return;
      host = h;
      if (!hostsUsed.some((x) => x.queue === h.queue)) hostsUsed.push(h);
    };
    // Durable turns: the loop runs here, each model turn an activity; later turns on the host that holds the worktree.
    if (!conversationSpent.has(attempt)) conversationSpent.set(attempt, noUsage());
    const agent = await agentTurns(agentInput, {
      shared: agents,
      turns: (h) => (h ? activitiesOnHost(h).agents : agents),
      ledger: main,
      onHost,
      useHost,
      spent: conversationSpent.get(attempt)!,
      bill: usage,
      show: step,
    });
    lane.give();
    if (!agent.ok) {
      outcome = { id: task.id, status: 'skipped', reason: agent.reason, attempts: attempt, usage, ...reviewed() };
      return 'done';
    }
    // The task's own tests when it names them; else the activity narrows the suite to the tests related to the edited files.
    step('testing');
    const testsSummary = cutBytes(
      `tests ${task.id}: ${task.tests ? command : `related to ${agent.edited.join(', ') || 'no file'}, else ${command}`}`,
    );
    const tests = await onHost(() =>
      here().tests.runTaskTests.executeWithOptions({ summary: testsSummary }, [
        {
          ...ref,
          command,
          ...(task.tests ? {} : { relatedTo: agent.edited }),
          edited: agent.edited,
          attempt,
          baseline: ctx.baseline,
          flakyReruns: ctx.settings.flakyReruns,
        },
      ]),
    );
    const testRun = {
      command: tests.command,
      ...(tests.selection ? { selection: tests.selection } : {}),
      passed: tests.passed,
      logPath: tests.logPath,
      durationMs: tests.durationMs,
    };
    if (!tests.passed) {
      const names = tests.failingTests.length ? tests.failingTests.join('; ') : `exit code ${tests.exitCode}`;
      outcome = {
        id: task.id,
        status: 'skipped',
        reason: `tests failed (${tests.command}): ${names}`,
        failingTests: tests.failingTests,
        tests: testRun,
        attempts: attempt,
        usage,
        ...reviewed(),
      };
      feedback = tests.tail;
      feedbackFrom = 'tests';
      failed = {
        failingTests: tests.failingTests.slice(0, 50),
        ...(tests.verdict ? { testVerdict: tests.verdict } : {}),
      };
      return 'again';
    }
    // Code review before the commit.
    if (reviewMode !== 'off') {
      step('reviewing');
      const r = await onHost(() =>
        reviewAttempt(
          { ctx, task, baseSha, attempt, edited: agent.edited, summary: agent.summary, tests: testRun },
          review,
          here().agents,
        ),
      );
      review = r.review;
      addUsage(usage, r.cost);
      if (reviewMode === 'gate' && review.verdict === 'request_changes') {
        outcome = {
          id: task.id,
          status: 'skipped',
          reason: `review: ${review.summary}`,
          tests: testRun,
          attempts: attempt,
          usage,
          review,
        };
        feedback = reviewFeedback(review);
        feedbackFrom = 'review';
        return 'again';
      }
    }
    step('committing');
    const committed = await onHost(() =>
      here().main.commitTask.executeWithOptions({ summary: cutBytes(`commit ${task.id}: ${task.title}`) }, [
        {
          ...ref,
          baseSha,
          title: task.title,
          summary: agent.summary,
          edited: agent.edited,
          sourcePath: task.sourcePath,
        },
      ]),
    );
    const undeclared = agent.edited.filter((f) => !task.touches.includes(f));
    const warnings = undeclared.length ? [`changed files its task file did not name: ${undeclared.join(', ')}`] : [];
    if (review?.verdict === 'request_changes')
      warnings.push(`the reviewer (advisory) requested changes: ${review.summary}`);
    outcome = committed.commit
      ? {
          id: task.id,
          status: 'ready',
          commit: committed.commit,
          summary: agent.summary,
          tests: testRun,
          attempts: attempt,
          usage,
          ...(warnings.length ? { warnings } : {}),
          ...reviewed(),
        }
      : {
          id: task.id,
          status: 'skipped',
          reason: committed.reason,
          tests: testRun,
          attempts: attempt,
          usage,
          ...reviewed(),
        };
    return 'done';
  };
  try {
    for (let attempt = 1; attempt <= ctx.settings.attempts; attempt++) {
      try {
        if ((await oneAttempt(attempt)) === 'done') break;
      } catch (err) {
        if (!(err instanceof HostLost)) throw err;
        // The host died with the worktree: the same attempt starts again from a fresh worktree, on whichever
        // host's agent takes it. Nothing reached the run branch (integration happens after the task returns).
        hostsLost.add(err.host.queue);
        if (++hostLosses > MAX_HOST_LOSSES)
          throw ApplicationFailure.nonRetryable(
            `${err.message}; the task was started again ${MAX_HOST_LOSSES} times, each time on a host that stopped`,
            'HostLost',
          );
        attempt--;
      }
    }
  } catch (err) {
    if (isCancellation(err)) {
      cancelled = true;
      upsertFlotillaState('cancelled');
      throw err; // skipped or aborted by the operator: the batch records it
    }
    const cause = err instanceof ActivityFailure ? err.cause : err;
    const type = cause instanceof ApplicationFailure ? cause.type : undefined;
    const message = cause instanceof Error ? cause.message : String(cause);
    outcome = {
      id: task.id,
      status: 'failed',
      reason: message,
      attempts: outcome.attempts,
      usage,
      ...reviewed(),
      ...(type === 'AgentConfigError' ? { fatal: true } : {}),
    };
  } finally {
    const live = hostsUsed.filter((h) => !hostsLost.has(h.queue));
    // A ready task's worktree is removed by its batch, off the lane's path; the batch keeps only the commit.
    if (lanes === 'agent-only' && outcome.status === 'ready' && !cancelled) outcome = { ...outcome, worktreesOn: live };
    // Runs even when the task was cancelled: the worktree is discarded, nothing it held reaches the run branch.
    else await CancellationScope.nonCancellable(() => removeEverywhere(live));
  }
  // The lane's hand-off reaches the batch before the task's end does.
  await lane.settled();
  upsertFlotillaState(outcome.status === 'ready' ? 'completed' : outcome.status);
  setCurrentDetails(
    `**${task.id}**: ${outcome.status === 'ready' ? 'committed in its worktree' : `${outcome.status}: ${outcome.reason ?? ''}`}`,
  );
  return outcome;
}
