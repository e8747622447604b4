import { CancelledFailure } from '@temporalio/common';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';

/**
 * An activity whose cancellation was asked for ends as cancelled, whatever it threw on its way out (a test run's
 * "cancelled" log, a git command cut short): the workflow, which waits for it to stop (WAIT_CANCELLATION_COMPLETED,
 * workflows/activity-proxies.ts), then sees a cancellation, not a failure to retry or to record against the task.
 */
export const honourCancel: ActivityInterceptorsFactory = (ctx) => ({
  inbound: {
    async execute(input, next) {
      try {
        return await next(input);
      } catch (err) {
        if (
          err instanceof CancelledFailure ||
          !ctx.cancellationSignal.aborted ||
          !ctx.cancellationDetails?.cancelRequested
        )
          throw err;
        throw new CancelledFailure(`cancelled: ${err instanceof Error ? err.message : String(err)}`);
      }
    },
  },
});
