import { NativeConnection, Worker, WorkerOptions } from '@temporalio/worker';
import * as os from 'node:os';
import { createActivities } from '../activities';
import type { ModelAccess } from '../activities/task-steps';
import { AGENT_ACTIVITIES, agentQueue, TEST_ACTIVITIES, testQueue } from '../workflows/task-queues';
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

function pick<T extends Record<string, unknown>>(all: T, names: readonly string[], keep: boolean): Partial<T> {
  return Object.fromEntries(Object.entries(all).filter(([k]) => names.includes(k) === keep)) as Partial<T>;
}

export async function createFlotillaWorkers(o: FlotillaWorkerOptions): Promise<FlotillaWorkers> {
  const taskQueue = o.taskQueue ?? DEFAULT_TASK_QUEUE;
  const activities = createActivities({ modelAccess: o.modelAccess, worktreeRoot: o.worktreeRoot });
  const common: Pick<WorkerOptions, 'connection' | 'namespace' | 'interceptors' | 'shutdownGraceTime'> = {
    connection: o.connection,
    namespace: o.namespace,
    interceptors: { activity: [keepAlive] },
    shutdownGraceTime: '5 seconds',
  };
  const workers = [
    await Worker.create({
      ...common,
      taskQueue,
      ...(o.workflowBundle ? { workflowBundle: o.workflowBundle } : { workflowsPath: require.resolve('../workflows') }),
      activities: pick(activities, [...AGENT_ACTIVITIES, ...TEST_ACTIVITIES], false),
      maxConcurrentActivityTaskExecutions: 8,
    }),
    await Worker.create({
      ...common,
      taskQueue: agentQueue(taskQueue),
      activities: pick(activities, AGENT_ACTIVITIES, true),
      maxConcurrentActivityTaskExecutions: o.maxParallel ?? 4,
      ...(o.agentRequestsPerMinute ? { maxTaskQueueActivitiesPerSecond: o.agentRequestsPerMinute / 60 } : {}),
    }),
    await Worker.create({
      ...common,
      taskQueue: testQueue(taskQueue),
      activities: pick(activities, TEST_ACTIVITIES, true),
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
