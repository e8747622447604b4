import { NativeConnection, Worker } from '@temporalio/worker';
import { createActivities } from '../activities';
import type { ModelAccess } from '../activities/task-steps';
import { keepAlive } from './keep-alive';
import { DEFAULT_TASK_QUEUE } from './task-queue';


export interface FlotillaWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue?: string;
  modelAccess: ModelAccess;
  worktreeRoot?: string;
  /** Activities at once on this worker (agents and test runs). */
  maxConcurrentActivities?: number;
  /** A pre-built workflow bundle (tests build it once); otherwise the workflows are bundled here. */
  workflowBundle?: { code: string };
}

export async function createFlotillaWorker(o: FlotillaWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: o.connection,
    namespace: o.namespace,
    taskQueue: o.taskQueue ?? DEFAULT_TASK_QUEUE,
    ...(o.workflowBundle ? { workflowBundle: o.workflowBundle } : { workflowsPath: require.resolve('../workflows') }),
    activities: createActivities({ modelAccess: o.modelAccess, worktreeRoot: o.worktreeRoot }),
    maxConcurrentActivityTaskExecutions: o.maxConcurrentActivities ?? 8,
    interceptors: { activity: [keepAlive] },
    shutdownGraceTime: '5 seconds',
  });
}
