import { Client } from '@temporalio/client';
import type { RunSettings } from '../core/types';
import { DEFAULT_TASK_QUEUE } from '../worker/task-queue';
import { flotillaRun } from '../workflows/run';

export const runWorkflowId = (runId: string) => `flotilla-${runId}`;

export async function startRun(client: Client, settings: RunSettings, taskQueue = DEFAULT_TASK_QUEUE) {
  return client.workflow.start(flotillaRun, {
    taskQueue,
    workflowId: runWorkflowId(settings.runId),
    args: [settings],
    staticSummary: `Flotilla run ${settings.runId} on ${settings.repoPath}`.slice(0, 200),
    // For `flotilla runs`: which repository a run works on (a path, never a secret).
    memo: { repoPath: settings.repoPath },
  });
}
