// Task queues: workflows and git work on the run's queue; agents and test runs each on their own,
// so Temporal's worker options cap them separately (agents wait on the network, tests use the cores).
export const agentQueue = (taskQueue: string) => `${taskQueue}-agents`;
export const testQueue = (taskQueue: string) => `${taskQueue}-tests`;

/**
 * A worker process's own queue (Temporal's worker-specific task queue pattern): the steps that need a
 * task's worktree run on the host that holds it. Its agents and tests queues follow the same suffixes.
 */
export const hostQueue = (taskQueue: string, hostId: string) => `${taskQueue}-host-${hostId}`;

/** The host that holds a task's worktree: where its later worktree steps must run. */
export interface TaskHost {
  /** The host's own task queue (`<queue>-host-<hostname>-<pid>-<random>`); `-agents` and `-tests` are beside it. */
  queue: string;
  /** How long a step may wait on this host's queue before the workflow asks whether the host is still alive. */
  scheduleToStartMs: number;
}
