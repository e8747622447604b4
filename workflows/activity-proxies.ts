import {
  ActivityCancellationType,
  type ActivityOptions,
  proxyActivities,
  type RetryPolicy,
  workflowInfo,
} from '@temporalio/workflow';
import type { AgentActivities, HostActivities, MainActivities, TestActivities } from '../activities';
import { agentQueue, type TaskHost, testQueue } from '../core/task-queues';

const retry: RetryPolicy = {
  initialInterval: '2 seconds',
  backoffCoefficient: 2,
  maximumInterval: '1 minute',
  maximumAttempts: 5,
  nonRetryableErrorTypes: ['RepoError', 'AgentConfigError', 'TaskInputError'],
};

/**
 * A cancelled activity is waited for until it stopped (it learns of the cancellation at its next heartbeat, within
 * seconds, and kills its commands' process groups: activities/test-runs/run-shell.ts, worker/honour-cancel.ts), so
 * the worktree it wrote in is parked and taken over only once nothing of it writes there any more.
 */
const waitForCancel = { cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED };

/** Git and file work: quick, and (like every activity, see worker/keep-alive.ts) heartbeating, so a dead worker is noticed within 30 seconds. */
export const mainOptions: ActivityOptions = {
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '30 seconds',
  retry,
  ...waitForCancel,
};

/** Test suites and agents: long, heartbeating every few seconds so a dead worker is noticed within 30 seconds. */
export const longOptions: ActivityOptions = {
  startToCloseTimeout: '60 minutes',
  heartbeatTimeout: '30 seconds',
  retry,
  ...waitForCancel,
};

/**
 * The agent: like a test run, but rate limits and overload are routine with many agents at once, so it
 * tries longer (each retry waits what the API's retry-after asked, else up to 2 minutes) before the task
 * is recorded as failed. A rejected key or model is never retried (AgentConfigError).
 */
export const agentOptions: ActivityOptions = {
  ...longOptions,
  retry: { ...retry, maximumAttempts: 10, maximumInterval: '2 minutes' },
};

// One typed proxy per task queue: each sees only the activities its queue's workers register
// (activities/index.ts), so calling one on the wrong queue does not compile. Call inside a workflow function.

/** Git, worktrees, plans and records, on the run's own task queue. */
export const mainActivities = () => proxyActivities<MainActivities>(mainOptions);
/** The agent, on the agents task queue (its worker's slots are --max-parallel, its rate is --agent-rpm). */
export const agentActivities = () =>
  proxyActivities<AgentActivities>({ ...agentOptions, taskQueue: agentQueue(workflowInfo().taskQueue) });
/** Test runs, on the tests task queue (its worker's slots follow the CPU count). */
export const testActivities = () =>
  proxyActivities<TestActivities>({ ...longOptions, taskQueue: testQueue(workflowInfo().taskQueue) });

/**
 * The steps that need a task's worktree, on the queues of the host that holds it (the worker process whose
 * agent made it: Temporal's worker-specific task queues). A step that waits there longer than the host's
 * schedule-to-start timeout fails with a timeout, and the task workflow asks whether the host is still alive.
 */
export const activitiesOnHost = (host: TaskHost) => {
  const wait = { scheduleToStartTimeout: host.scheduleToStartMs };
  return {
    main: proxyActivities<HostActivities['main']>({ ...mainOptions, ...wait, taskQueue: host.queue }),
    agents: proxyActivities<HostActivities['agents']>({ ...agentOptions, ...wait, taskQueue: agentQueue(host.queue) }),
    tests: proxyActivities<HostActivities['tests']>({ ...longOptions, ...wait, taskQueue: testQueue(host.queue) }),
  };
};
