import { Context } from '@temporalio/activity';

// temporal.api.enums.v1: TASK_QUEUE_KIND_NORMAL, TASK_QUEUE_TYPE_ACTIVITY.
const KIND_NORMAL = 1;
const TYPE_ACTIVITY = 2;

/** A host counts as alive while one of its pollers reached the server this recently (an idle long poll renews about once a minute). */
export const HOST_ALIVE_WITHIN_MS = 90_000;

/**
 * Activities on the run's shared queue about the worker processes (hosts) that hold task worktrees.
 * A host's own queue has no backlog limit, so a step that waits there too long may mean the host is busy
 * or that it is gone: its pollers say which.
 */
export const hostLiveness = {
  /**
   * Whether a worker still polls `queue` (a host's own queue): a poller seen within the last 90 seconds.
   * False when none was, so the task that waits for it starts again on another host.
   */
  async hostAlive(a: { queue: string }): Promise<boolean> {
    const ctx = Context.current();
    const res = await ctx.client.workflowService.describeTaskQueue({
      namespace: ctx.info.namespace,
      taskQueue: { name: a.queue, kind: KIND_NORMAL },
      taskQueueType: TYPE_ACTIVITY,
    });
    const now = Date.now();
    return (res.pollers ?? []).some((p) => {
      const t = p.lastAccessTime;
      if (!t?.seconds) return false;
      return now - (Number(t.seconds) * 1000 + Math.floor((t.nanos ?? 0) / 1e6)) < HOST_ALIVE_WITHIN_MS;
    });
  },
};
