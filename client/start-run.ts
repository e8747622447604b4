import { Client, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import type { RunSettings } from '../core/types';
import { DEFAULT_TASK_QUEUE } from '../worker/task-queue';
import { flotillaRun } from '../workflows/run';

export const runWorkflowId = (runId: string) => `flotilla-${runId}`;

/**
 * Starts a run. A run id names one run for good: starting it again, while that run goes on or after it
 * ended, is refused with an error naming the existing run (never resumed silently, never reported as
 * someone else's work).
 */
export async function startRun(client: Client, settings: RunSettings, taskQueue = DEFAULT_TASK_QUEUE) {
  const workflowId = runWorkflowId(settings.runId);
  try {
    return await client.workflow.start(flotillaRun, {
      taskQueue,
      workflowId,
      args: [settings],
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      workflowIdConflictPolicy: 'FAIL',
      staticSummary: `Flotilla run ${settings.runId} on ${settings.repoPath}`.slice(0, 200),
      // For `flotilla runs`: which repository a run works on (a path, never a secret).
      memo: { repoPath: settings.repoPath },
    });
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    const existing = await client.workflow
      .getHandle(workflowId)
      .describe()
      .then((d) => `${d.status.name.toLowerCase()}, started ${d.startTime.toISOString()}`)
      .catch(() => 'its state unknown');
    throw new Error(`run id ${settings.runId} is already taken by workflow ${workflowId} (${existing}). Pick another --run-id, or look at that run with: flotilla status ${settings.runId}`);
  }
}
