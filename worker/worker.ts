import { NativeConnection, Worker, WorkerOptions } from '@temporalio/worker';
import * as os from 'node:os';
import { createAgentActivities, createMainActivities, createTestActivities, ModelAccess } from '../activities';
import { agentQueue, testQueue } from '../core/task-queues';
import { keepAlive } from './keep-alive';
import { DEFAULT_TASK_QUEUE } from './task-queue';

export interface FlotillaWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue?: string;
  modelAccess: ModelAccess;
  worktreeRoot?: string;
  /** Agents at once on this worker (the agents queue's slots). */
  maxParallel?: number;
  /** Model requests per minute across ALL workers (the agents queue's server-side rate limit). */
  agentRequestsPerMinute?: number;
  /** Test runs at once (default: the CPU count). */
  maxTestRuns?: number;
  /** A pre-built workflow bundle (tests build it once); otherwise the workflows are bundled here. */
  workflowBundle?: { code: string };
}

/** Flotilla's workers in one process: workflows and git work, agents, and test runs, each on its own task queue. */
export interface FlotillaWorkers {
  workers: Worker[];
  taskQueue: string;
  /** Resolves when all of them have stopped. */
  run(): Promise<void>;
  shutdown(): void;
}

export async function createFlotillaWorkers(o: FlotillaWorkerOptions): Promise<FlotillaWorkers> {
  const taskQueue = o.taskQueue ?? DEFAULT_TASK_QUEUE;
  const deps = { worktreeRoot: o.worktreeRoot };
  const common: Pick<WorkerOptions, 'connection' | 'namespace' | 'interceptors' | 'shutdownGraceTime' | 'maxHeartbeatThrottleInterval'> = {
    connection: o.connection,
    namespace: o.namespace,
    interceptors: { activity: [keepAlive] },
    shutdownGraceTime: '5 seconds',
    // Heartbeat details (an agent's turn and cost) reach the server within 5 s, for `flotilla watch` (the default would be 24 s).
    maxHeartbeatThrottleInterval: '5 seconds',
  };
  const workers = [
    await Worker.create({
      ...common,
      taskQueue,
      ...(o.workflowBundle ? { workflowBundle: o.workflowBundle } : { workflowsPath: require.resolve('../workflows') }),
      activities: createMainActivities(deps),
      maxConcurrentActivityTaskExecutions: 8,
    }),
    await Worker.create({
      ...common,
      taskQueue: agentQueue(taskQueue),
      activities: createAgentActivities({ ...deps, modelAccess: o.modelAccess }),
      maxConcurrentActivityTaskExecutions: o.maxParallel ?? 4,
      ...(o.agentRequestsPerMinute ? { maxTaskQueueActivitiesPerSecond: o.agentRequestsPerMinute / 60 } : {}),
    }),
    await Worker.create({
      ...common,
      taskQueue: testQueue(taskQueue),
      activities: createTestActivities(deps),
      maxConcurrentActivityTaskExecutions: o.maxTestRuns ?? Math.max(1, os.cpus().length),
    }),
  ];
  return {
    workers,
    taskQueue,
    run: () => Promise.all(workers.map((w) => w.run())).then(() => undefined),
    shutdown: () => {
      for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
    },
  };
}
