import { type Client } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger, Worker } from '@temporalio/worker';

/** The workflow code a worker runs: a bundle built once per process, shared by the worker and the replay check. */
export type WorkflowCode = { workflowBundle: { code: string } } | { workflowsPath: string };

/** Bundles Flotilla's workflows once (webpack: a few seconds); the worker and the start-up replay check both take it. */
export async function bundleWorkflows(): Promise<{ code: string }> {
  return bundleWorkflowCode({ workflowsPath: require.resolve('../workflows'), logger: new DefaultLogger('WARN') });
}

export interface ReplayFailure {
  workflowId: string;
  message: string;
}

/** The histories that fail to replay with this worker's workflow code (nondeterminism), one line each. */
export async function replayFailures(
  histories:
    AsyncIterable<{ workflowId: string; history: unknown }> | Iterable<{ workflowId: string; history: unknown }>,
  code: WorkflowCode = { workflowsPath: require.resolve('../workflows') },
): Promise<ReplayFailure[]> {
  const failures: ReplayFailure[] = [];
  for await (const r of Worker.runReplayHistories({ ...code, replayName: 'flotilla-upgrade-check' }, histories)) {
    if (r.error)
      failures.push({
        workflowId: r.workflowId,
        message: (r.error.message.match(/\[TMPRL1100\][^"]*/)?.[0] ?? r.error.message).split('\n')[0].slice(0, 300),
      });
  }
  return failures;
}

/**
 * Runs in flight on this task queue that this version of Flotilla cannot continue: each running
 * workflow's history is replayed with the code this worker runs. Started by an older version whose
 * workflows changed without patched(), they would stall on nondeterminism errors; better said at start.
 */
export async function runsThisCodeCannotContinue(
  client: Client,
  taskQueue: string,
  code?: WorkflowCode,
): Promise<ReplayFailure[]> {
  const running: Array<{ workflowId: string; runId: string }> = [];
  for await (const w of client.workflow.list({ query: `TaskQueue = '${taskQueue}' AND ExecutionStatus = 'Running'` }))
    running.push({ workflowId: w.workflowId, runId: w.runId });
  if (!running.length) return [];
  async function* histories() {
    for (const w of running)
      yield {
        workflowId: w.workflowId,
        history: await client.workflow.getHandle(w.workflowId, w.runId).fetchHistory(),
      };
  }
  return replayFailures(histories(), code);
}
