import type { Client } from '@temporalio/client';

/** One activity of a workflow: its type and when it started and closed (ms since the epoch). */
export interface ActivitySpan {
  workflowId: string;
  type: string;
  started: number;
  closed: number;
}

type Time = { seconds?: unknown; nanos?: number | null } | null | undefined;
const ms = (t: Time) => (t ? Number(t.seconds ?? 0) * 1000 + Math.floor((t.nanos ?? 0) / 1e6) : 0);

/** The activities that started in a workflow's history, with their start and close times. */
export async function activitySpans(client: Client, workflowId: string): Promise<ActivitySpan[]> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const scheduled = new Map<string, string>();
  const byScheduled = new Map<string, ActivitySpan>();
  for (const e of history.events ?? []) {
    const at = ms(e.eventTime as Time);
    if (e.activityTaskScheduledEventAttributes)
      scheduled.set(String(e.eventId), e.activityTaskScheduledEventAttributes.activityType?.name ?? '?');
    const st = e.activityTaskStartedEventAttributes;
    if (st)
      byScheduled.set(String(st.scheduledEventId), {
        workflowId,
        type: scheduled.get(String(st.scheduledEventId)) ?? '?',
        started: at,
        closed: 0,
      });
    const closed =
      e.activityTaskCompletedEventAttributes ??
      e.activityTaskFailedEventAttributes ??
      e.activityTaskTimedOutEventAttributes ??
      e.activityTaskCanceledEventAttributes;
    if (closed) {
      const span = byScheduled.get(String(closed.scheduledEventId));
      if (span) span.closed = at;
    }
  }
  return [...byScheduled.values()];
}

/** The most intervals open at once (an interval closing at the moment another opens does not overlap it). */
export function mostAtOnce(intervals: Array<{ from: number; to: number }>): number {
  const edges = intervals.flatMap((i) => [
    { at: i.from, d: 1 },
    { at: i.to, d: -1 },
  ]);
  edges.sort((a, b) => a.at - b.at || a.d - b.d);
  let open = 0;
  let most = 0;
  for (const e of edges) most = Math.max(most, (open += e.d));
  return most;
}
