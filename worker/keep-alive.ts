import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import { lastHeartbeatDetails } from '../activities/heartbeat';

const EVERY_MS = 5000;

/**
 * Every activity heartbeats every few seconds while it runs, so each can have a short heartbeat timeout:
 * when a worker dies (kill -9, a lost machine) Temporal retries its activities within 30 s, whatever
 * they were doing, instead of waiting for their start-to-close timeout. It repeats the activity's last details
 * (an agent's { turn, costUsd }), which `flotilla watch` shows, rather than blanking them.
 */
export const keepAlive: ActivityInterceptorsFactory = (ctx) => ({
  inbound: {
    async execute(input, next) {
      const timer = setInterval(() => ctx.heartbeat(lastHeartbeatDetails(ctx)), EVERY_MS);
      try {
        return await next(input);
      } finally {
        clearInterval(timer);
      }
    },
  },
});
