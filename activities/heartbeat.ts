import { Context } from '@temporalio/activity';

/** Each running activity's last heartbeat details, so that the keep-alive (worker/keep-alive.ts) repeats them instead of blanking them. */
const lastDetails = new WeakMap<Context, unknown>();

/** The details an activity last heartbeated (what `flotilla watch` reads from its pending activity). */
export function lastHeartbeatDetails(ctx: Context): unknown {
  return lastDetails.get(ctx);
}

/** Heartbeats when running inside an activity; a no-op elsewhere (scripts, unit tests). */
export function heartbeatSafe(details?: unknown): void {
  let ctx: Context;
  try {
    ctx = Context.current();
  } catch {
    return;
  }
  if (details !== undefined) lastDetails.set(ctx, details);
  ctx.heartbeat(details);
}
