// What an activity learns from its Temporal context, with a plain answer outside one (scripts, unit tests).
import { Context } from '@temporalio/activity';

/** The activity's cancellation signal, so a cancelled activity stops its model call or command; undefined outside an activity. */
export function cancellationSignal(): AbortSignal | undefined {
  try {
    return Context.current().cancellationSignal;
  } catch {
    return undefined;
  }
}

/** Which try of which scheduled activity this is (Temporal's retries count from 1), and the run id of the workflow that asked; 1, '' and '' outside an activity. */
export function activityTry(): { attempt: number; workflowRunId: string; activityId: string } {
  try {
    const info = Context.current().info;
    return { attempt: info.attempt, workflowRunId: info.workflowExecution?.runId ?? '', activityId: info.activityId };
  } catch {
    return { attempt: 1, workflowRunId: '', activityId: '' };
  }
}

/** The run id of the workflow execution that asked (a retry of the activity is the same one); '' outside an activity. */
export function workflowRunId(): string {
  return activityTry().workflowRunId;
}
