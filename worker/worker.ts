import { type NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import * as os from 'node:os';
import * as crypto from 'node:crypto';
import {
  createAgentActivities,
  createHostActivities,
  createMainActivities,
  createTestActivities,
  type ModelAccess,
} from '../activities';
import { registerSecret } from '../activities/redact';
import { describeSandbox } from '../activities/sandbox';
import { denyHost } from '../activities/sandbox/address-policy';
import { setPassedEnv } from '../activities/sandbox/child-env';
import { sandboxFloor, setSandboxFloor } from '../activities/sandbox/floor';
import type { SandboxMode } from '../core/types';
import { agentQueue, hostQueue, type TaskHost, testQueue } from '../core/task-queues';
import { honourCancel } from './honour-cancel';
import { keepAlive } from './keep-alive';
import { redactResults } from './redact-results';
import { DEFAULT_TASK_QUEUE } from './task-queue';
import { DEFAULT_AGENT_SLOTS, identityWithSlots } from './slots';

export interface FlotillaWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue?: string;
  modelAccess: ModelAccess;
  /** Why modelAccess is the stand-in model (not Claude), when it is: the run's records name it. */
  standIn?: string;
  worktreeRoot?: string;
  /** Agents at once on this worker (the agents queue's slots; default DEFAULT_AGENT_SLOTS). */
  maxParallel?: number;
  /**
   * Model requests per minute across ALL workers: the shared agents queue's server-side rate limit
   * (maxTaskQueueActivitiesPerSecond). That queue dispatches one activity per model request of the coding agents
   * (startAgent for turn 1, a modelPermit before each later turn); give every worker the same value.
   */
  agentRequestsPerMinute?: number;
  /** Test runs at once (default: the CPU count). */
  maxTestRuns?: number;
  /** A pre-built workflow bundle (built once per process, shared with the replay check); otherwise the workflows are bundled here. */
  workflowBundle?: { code: string };
  /**
   * How long a task's step may wait on this process's own queue before the workflow asks the server whether
   * this worker still polls it (default FLOTILLA_HOST_TIMEOUT_MS, else 60 s; a step is never given up while the host is alive).
   */
  hostTimeoutMs?: number;
  /** The least sandbox any run may have here (--sandbox; also FLOTILLA_SANDBOX): see activities/sandbox/floor.ts. */
  sandboxFloor?: SandboxMode;
  /** Variables of this process's environment that repository commands get besides the allow-list (--pass-env). */
  passEnv?: string[];
  /** The Temporal frontend (host:port), which install commands may never reach (default TEMPORAL_ADDRESS). */
  temporalAddress?: string;
  /**
   * This process's host id (its own queue is `<queue>-host-<id>`); default FLOTILLA_HOST_ID, else a new one per
   * process. A worker restarted with the id of one that died, on the same disk (FLOTILLA_WORKTREES), takes over its
   * tasks' worktrees and their pending steps instead of the tasks starting again elsewhere. Never two live processes with one id.
   */
  hostId?: string;
}

/** This process's host id: `<hostname>-<pid>-<random>` (unique even for two worker processes, or two workers in one process). */
export function newHostId(): string {
  const name =
    os
      .hostname()
      .replace(/[^A-Za-z0-9.-]/g, '_')
      .slice(0, 60) || 'host';
  return `${name}-${process.pid}-${crypto.randomBytes(3).toString('hex')}`;
}

/** Flotilla's workers in one process: workflows and git work, agents, and test runs, each on its own task queue. */
export interface FlotillaWorkers {
  workers: Worker[];
  taskQueue: string;
  /** This worker's own queue: the worktree steps of the tasks whose agent ran here (plus `-agents`, `-tests`). */
  hostQueue: string;
  /** The worker identity its Temporal workers report (in the history's ActivityTaskStarted events and the queues' pollers), with its agent slots. */
  identity: string;
  /** Model turns at once on each of its agents queues. */
  agentSlots: number;
  /** Test runs at once on each of its tests queues. */
  testSlots: number;
  /** Resolves when all of them have stopped. */
  run(): Promise<void>;
  shutdown(): void;
}

export async function createFlotillaWorkers(o: FlotillaWorkerOptions): Promise<FlotillaWorkers> {
  const taskQueue = o.taskQueue ?? DEFAULT_TASK_QUEUE;
  const hostId = o.hostId ?? (process.env.FLOTILLA_HOST_ID?.trim() || newHostId());
  const host: TaskHost = {
    queue: hostQueue(taskQueue, hostId),
    scheduleToStartMs: o.hostTimeoutMs ?? (Number(process.env.FLOTILLA_HOST_TIMEOUT_MS) || 60_000),
  };
  const agentSlots = o.maxParallel ?? DEFAULT_AGENT_SLOTS;
  // The slots go in the identity: `flotilla run` reads them from the agents queue's pollers.
  const identity = identityWithSlots(`${process.pid}@${os.hostname()}/${hostId}`, agentSlots);
  const deps = { worktreeRoot: o.worktreeRoot, host, ...(o.standIn ? { standIn: o.standIn } : {}) };
  registerSecret(o.modelAccess.apiKey);
  if (o.sandboxFloor) setSandboxFloor(o.sandboxFloor);
  if (o.passEnv) setPassedEnv(o.passEnv);
  const frontend = o.temporalAddress ?? process.env.TEMPORAL_ADDRESS;
  if (frontend) denyHost(frontend.replace(/:\d+$/, ''));
  const sandbox = describeSandbox();
  const floor = sandboxFloor();
  if (floor === 'required' && !sandbox.sandboxed)
    throw new Error(
      `flotilla worker --sandbox required (or FLOTILLA_SANDBOX=required), but ${sandbox.detail}. Run \`npm install\` again (it installs bubblewrap), or install bubblewrap.`,
    );
  if (!sandbox.sandboxed)
    console.warn(
      `flotilla worker: repository commands will NOT be sandboxed on this worker: ${sandbox.detail}. Runs with --sandbox required will fail; see SECURITY.md.`,
    );
  const common: Pick<
    WorkerOptions,
    'connection' | 'namespace' | 'interceptors' | 'shutdownGraceTime' | 'identity' | 'maxHeartbeatThrottleInterval'
  > = {
    connection: o.connection,
    namespace: o.namespace,
    identity,
    interceptors: { activity: [keepAlive, honourCancel, redactResults] },
    shutdownGraceTime: '5 seconds',
    // Heartbeat details (an agent's turn and cost) reach the server within 5 s, for `flotilla watch` (the default would be 24 s).
    maxHeartbeatThrottleInterval: '5 seconds',
  };
  const maxTestRuns = o.maxTestRuns ?? Math.max(1, os.cpus().length);
  const onHost = createHostActivities({ ...deps, modelAccess: o.modelAccess });
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
      activities: createAgentActivities({
        ...deps,
        modelAccess: o.modelAccess,
        rateLimited: !!o.agentRequestsPerMinute,
      }),
      maxConcurrentActivityTaskExecutions: agentSlots,
      ...(o.agentRequestsPerMinute ? { maxTaskQueueActivitiesPerSecond: o.agentRequestsPerMinute / 60 } : {}),
    }),
    await Worker.create({
      ...common,
      taskQueue: testQueue(taskQueue),
      activities: createTestActivities(deps),
      maxConcurrentActivityTaskExecutions: maxTestRuns,
    }),
    // This process's own queues (Temporal's worker-specific task queues): the steps that need the
    // worktrees on this host's disk. Same slots as the shared queues; no server-side rate limit (see README).
    await Worker.create({
      ...common,
      taskQueue: host.queue,
      activities: onHost.main,
      maxConcurrentActivityTaskExecutions: 8,
    }),
    await Worker.create({
      ...common,
      taskQueue: agentQueue(host.queue),
      activities: onHost.agents,
      maxConcurrentActivityTaskExecutions: agentSlots,
    }),
    await Worker.create({
      ...common,
      taskQueue: testQueue(host.queue),
      activities: onHost.tests,
      maxConcurrentActivityTaskExecutions: maxTestRuns,
    }),
  ];
  return {
    workers,
    taskQueue,
    hostQueue: host.queue,
    identity,
    agentSlots,
    testSlots: maxTestRuns,
    run: () => Promise.all(workers.map((w) => w.run())).then(() => undefined),
    shutdown: () => {
      for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
    },
  };
}
