import { ActivityFailure, ApplicationFailure, CancellationScope, isCancellation, patched, setCurrentDetails, workflowInfo } from '@temporalio/workflow';
import { agentActivities, mainActivities, testActivities } from './activity-proxies';
import type { TaskInput, TaskOutcome } from './types';
import { addUsage, noUsage } from '../core/usage';
import type { TaskReview } from '../core/types';
import { reviewAttempt, reviewFeedback, reviewModeOf } from './review-step';
import { cutBytes } from '../core/search-attributes';
import { upsertFlotillaState } from './search-attributes';

/** The Web UI's "current details" of a task (no history: read through a query), e.g. "**TASK-0007** attempt 2 of 2: testing". */
function showStep(taskId: string, attempt: number, of: number, step: string): void {
  setCurrentDetails(`**${taskId}** attempt ${attempt} of ${of}: ${step}`);
}


/**
 * One task: the agent edits a fresh worktree, the task's tests judge it, and a passing change is
 * committed with the archive move. A failing one is retried with the test output as feedback, then
 * rolled back (its worktree discarded) and skipped with the failing tests as the reason. A change that
 * passes is reviewed before its commit (unless --review off): a request for changes goes back to the agent
 * like failing tests, and with --review gate the last one skips the task ("review: …").
 */
export async function taskWorkflow({ ctx, task, baseSha }: TaskInput): Promise<TaskOutcome> {
  const git = mainActivities();
  const testing = testActivities();
  const agents = agentActivities();
  const ref = { runId: ctx.runId, repoPath: ctx.repoPath, taskId: task.id };
  const usage = noUsage();
  const command = task.tests ?? ctx.testCommand;
  let feedback: string | undefined;
  let feedbackFrom: 'tests' | 'review' | undefined;
  const reviewMode = reviewModeOf(ctx);
  let review: TaskReview | undefined;
  const reviewed = () => (review ? { review } : {});
  let outcome: TaskOutcome = { id: task.id, status: 'skipped', reason: 'not attempted', attempts: 0, usage };
  let agentAttempt = 0; // the attempt whose agent is running, 0 when none is
  try {
    for (let attempt = 1; attempt <= ctx.settings.attempts; attempt++) {
      agentAttempt = attempt;
      const step = (what: string) => showStep(task.id, attempt, ctx.settings.attempts, what);
      step(`agent (${ctx.settings.model})${feedbackFrom ? `, with the ${feedbackFrom === 'review' ? "reviewer's comments" : 'failing tests'}` : ''}`);
      const agent = await agents.runAgent.executeWithOptions({ summary: cutBytes(`agent ${task.id}, attempt ${attempt} (${ctx.settings.model})`) }, [{ ...ref, baseSha, sourcePath: task.sourcePath, model: ctx.settings.model, maxTurns: ctx.settings.maxTurns, testCommand: command, attempt, feedback, ...(feedbackFrom === 'review' ? { feedbackFrom } : {}), tokenBudget: ctx.settings.maxTokensPerTask, setupCommand: ctx.settings.setupCommand }]);
      agentAttempt = 0;
      addUsage(usage, agent.usage);
      if (!agent.ok) {
        outcome = { id: task.id, status: 'skipped', reason: agent.reason, attempts: attempt, usage, ...reviewed() };
        break;
      }
      // The task's own tests when it names them; else the activity narrows the suite to the tests related to the edited files.
      step('testing');
      const tests = await testing.runTaskTests.executeWithOptions({ summary: cutBytes(`tests ${task.id}: ${task.tests ? command : `related to ${agent.edited.join(', ') || 'no file'}, else ${command}`}`) }, [{ ...ref, command, ...(task.tests ? {} : { relatedTo: agent.edited }), edited: agent.edited, attempt, baseline: ctx.baseline, flakyReruns: ctx.settings.flakyReruns }]);
      const testRun = { command: tests.command, ...(tests.selection ? { selection: tests.selection } : {}), passed: tests.passed, logPath: tests.logPath, durationMs: tests.durationMs };
      if (!tests.passed) {
        const names = tests.failingTests.length ? tests.failingTests.join('; ') : `exit code ${tests.exitCode}`;
        outcome = { id: task.id, status: 'skipped', reason: `tests failed (${tests.command}): ${names}`, failingTests: tests.failingTests, tests: testRun, attempts: attempt, usage, ...reviewed() };
        feedback = tests.tail;
        feedbackFrom = 'tests';
        continue;
      }
      // Code review before the commit (runs recorded before it replay without it).
      if (reviewMode !== 'off' && patched('review-gate')) {
        step('reviewing');
        const r = await reviewAttempt({ ctx, task, baseSha, attempt, edited: agent.edited, summary: agent.summary, tests: testRun }, review);
        review = r.review;
        addUsage(usage, r.cost);
        if (reviewMode === 'gate' && review.verdict === 'request_changes') {
          outcome = { id: task.id, status: 'skipped', reason: `review: ${review.summary}`, tests: testRun, attempts: attempt, usage, review };
          feedback = reviewFeedback(review);
          feedbackFrom = 'review';
          continue;
        }
      }
      step('committing');
      const committed = await git.commitTask.executeWithOptions({ summary: cutBytes(`commit ${task.id}: ${task.title}`) }, [{ ...ref, baseSha, title: task.title, summary: agent.summary, edited: agent.edited, sourcePath: task.sourcePath }]);
      const undeclared = agent.edited.filter((f) => !task.touches.includes(f));
      const warnings = undeclared.length ? [`changed files its task file did not name: ${undeclared.join(', ')}`] : [];
      if (review?.verdict === 'request_changes') warnings.push(`the reviewer (advisory) requested changes: ${review.summary}`);
      outcome = committed.commit
        ? { id: task.id, status: 'ready', commit: committed.commit, summary: agent.summary, tests: testRun, attempts: attempt, usage, ...(warnings.length ? { warnings } : {}), ...reviewed() }
        : { id: task.id, status: 'skipped', reason: committed.reason, tests: testRun, attempts: attempt, usage, ...reviewed() };
      break;
    }
  } catch (err) {
    if (isCancellation(err)) {
      upsertFlotillaState('cancelled');
      throw err; // skipped or aborted by the operator: the batch records it
    }
    const cause = err instanceof ActivityFailure ? err.cause : err;
    const type = cause instanceof ApplicationFailure ? cause.type : undefined;
    const message = cause instanceof Error ? cause.message : String(cause);
    // Every try of the agent failed: the turns they paid for are still on the bill.
    if (agentAttempt && patched('count-lost-agent-tokens')) addUsage(usage, await git.lostAgentUsage({ ...ref, workflowRunId: workflowInfo().runId, attempt: agentAttempt }));
    outcome = { id: task.id, status: 'failed', reason: message, attempts: outcome.attempts, usage, ...reviewed(), ...(type === 'AgentConfigError' ? { fatal: true } : {}) };
  } finally {
    // Runs even when the task was cancelled: the worktree is discarded, nothing it held reaches the run branch.
    await CancellationScope.nonCancellable(() => git.removeTaskWorktree(ref));
  }
  upsertFlotillaState(outcome.status === 'ready' ? 'completed' : outcome.status);
  setCurrentDetails(`**${task.id}**: ${outcome.status === 'ready' ? 'committed in its worktree' : `${outcome.status}: ${outcome.reason ?? ''}`}`);
  return outcome;
}
