import type { ActivityOptions, RetryPolicy } from '@temporalio/workflow';

const retry: RetryPolicy = {
  initialInterval: '2 seconds',
  backoffCoefficient: 2,
  maximumInterval: '1 minute',
  maximumAttempts: 5,
  nonRetryableErrorTypes: ['RepoError', 'AgentConfigError', 'TaskInputError'],
};

/** Git and file work: quick, and (like every activity, see worker/keep-alive.ts) heartbeating, so a dead worker is noticed within 30 seconds. */
export const gitOptions: ActivityOptions = { startToCloseTimeout: '10 minutes', heartbeatTimeout: '30 seconds', retry };

/** Test suites and agents: long, heartbeating every few seconds so a dead worker is noticed within 30 seconds. */
export const longOptions: ActivityOptions = { startToCloseTimeout: '60 minutes', heartbeatTimeout: '30 seconds', retry };
