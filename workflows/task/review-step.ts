// The review step of a task, between its passing tests and its commit (see taskWorkflow). Sandbox-safe.
import type { ReviewMode, TaskReview, TaskTestRun } from '../../core/types';
import { addUsage, noUsage } from '../../core/usage';
import type { PlannedTask } from '../../planner/types';
import { defaultReviewModel } from '../../core/review-model';
import type { ActivityInterfaceFor } from '@temporalio/workflow';
import type { AgentActivities } from '../../activities';
import { agentActivities } from '../activity-proxies';
import type { RunContext } from '../types';

export interface ReviewStepInput {
  ctx: RunContext;
  task: PlannedTask;
  baseSha: string;
  attempt: number;
  edited: string[];
  summary: string;
  tests: TaskTestRun;
}

/** The run's review mode: gate unless the settings say otherwise. */
export const reviewModeOf = (ctx: RunContext): ReviewMode => ctx.settings.review ?? 'gate';

/**
 * Reviews one attempt's change (the checks, then the reviewer agent, in one activity on the agents queue,
 * with a summary the Web UI shows) and folds it into the task's review so far: the latest verdict, and
 * the cost of every review.
 */
export async function reviewAttempt(
  i: ReviewStepInput,
  before: TaskReview | undefined,
  reviewer: ActivityInterfaceFor<Pick<AgentActivities, 'reviewTask'>> = agentActivities(),
): Promise<{ review: TaskReview; cost: TaskReview['usage'] }> {
  // --review-model, else a stronger model for refactors, dead code and high-risk tasks (core/review-model.ts).
  const model = i.ctx.settings.reviewModel ?? defaultReviewModel(i.task, i.ctx.settings.model);
  const mode = reviewModeOf(i.ctx) === 'advisory' ? 'advisory' : 'gate';
  const r = await reviewer.reviewTask.executeWithOptions(
    { summary: `Review ${i.task.id} attempt ${i.attempt} (${mode}): deterministic checks, then ${model}` },
    [
      {
        runId: i.ctx.runId,
        repoPath: i.ctx.repoPath,
        taskId: i.task.id,
        baseSha: i.baseSha,
        sourcePath: i.task.sourcePath,
        category: i.task.category,
        declared: i.task.touches,
        edited: i.edited,
        summary: i.summary,
        tests: i.tests,
        model,
        attempt: i.attempt,
        mode,
      },
    ],
  );
  const usage = before ? { ...before.usage } : noUsage();
  addUsage(usage, r.usage);
  return { review: { ...r, usage, reviews: (before?.reviews ?? 0) + 1, mode }, cost: r.usage };
}

/** What a request for changes tells the coding agent on its next attempt. */
export function reviewFeedback(r: Pick<TaskReview, 'summary' | 'comments' | 'by'>): string {
  const lines = [
    `${r.by === 'checks' ? 'The automatic review checks' : 'The code reviewer'} requested changes: ${r.summary}`,
  ];
  for (const c of r.comments) lines.push(`- ${c.file ? `${c.file}${c.line ? `:${c.line}` : ''}: ` : ''}${c.message}`);
  return lines.join('\n');
}
