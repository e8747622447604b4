import { Context } from '@temporalio/activity';

/** Heartbeats when running inside an activity; a no-op elsewhere (scripts, unit tests). */
export function heartbeatSafe(details?: unknown): void {
  let ctx: Context;
  try {
    ctx = Context.current();
  } catch {
    return;
  }
  ctx.heartbeat(details);
}
