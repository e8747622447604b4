// Where a run's orchestration time goes, read from its workflows' histories: per kind of workflow (run, phase,
// batch, task), how many events and workflow tasks each has, how long workflow tasks wait for a worker and
// take on it, how long activities wait to start, and the signals and child starts between them.
import type { Client } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

const ms = (e: HistoryEvent): number => {
  const t = e.eventTime;
  if (!t) return 0;
  const s = t.seconds as unknown;
  const seconds = typeof s === 'object' && s !== null ? (s as { toNumber(): number }).toNumber() : Number(s ?? 0);
  return seconds * 1000 + (t.nanos ?? 0) / 1e6;
};

/** Sums and counts of one kind of workflow. */
export interface KindProfile {
  executions: number;
  events: number;
  maxEvents: number;
  maxEventsId: string;
  workflowTasks: number;
  /** Workflow task scheduled → started (waiting for a worker to poll it), summed. */
  wftWaitMs: number;
  /** Workflow task started → completed (the worker's work and the round trip), summed. */
  wftRunMs: number;
  wftFailed: number;
  wftTimedOut: number;
  activities: number;
  /** Activity scheduled → started, summed. */
  activityWaitMs: number;
  signalsReceived: number;
  signalsSent: number;
  /** Signal initiated → the target's acknowledgement (ExternalWorkflowExecutionSignaled), summed. */
  signalMs: number;
  childStarts: number;
  /** Child initiated → ChildWorkflowExecutionStarted, summed. */
  childStartMs: number;
  /** First event → last event, summed. */
  wallMs: number;
  /** Integration steps onto the run branch, one at a time (integrateCommit, or integrateCommits for several changes): count, scheduled → started, started → completed, completed → the next one scheduled, summed. */
  integrations: { n: number; waitMs: number; runMs: number; gapMs: number };
}

const empty = (): KindProfile => ({
  executions: 0,
  events: 0,
  maxEvents: 0,
  maxEventsId: '',
  workflowTasks: 0,
  wftWaitMs: 0,
  wftRunMs: 0,
  wftFailed: 0,
  wftTimedOut: 0,
  activities: 0,
  activityWaitMs: 0,
  signalsReceived: 0,
  signalsSent: 0,
  signalMs: 0,
  childStarts: 0,
  childStartMs: 0,
  wallMs: 0,
  integrations: { n: 0, waitMs: 0, runMs: 0, gapMs: 0 },
});

function profileOne(p: KindProfile, id: string, events: HistoryEvent[]): void {
  p.executions++;
  p.events += events.length;
  if (events.length > p.maxEvents) {
    p.maxEvents = events.length;
    p.maxEventsId = id;
  }
  const byId = new Map<number, HistoryEvent>();
  const integrations = new Set<number>();
  let integrationDone: number | undefined;
  for (const e of events) {
    byId.set(Number(e.eventId), e);
    if (
      ['integrateCommit', 'integrateCommits'].includes(e.activityTaskScheduledEventAttributes?.activityType?.name ?? '')
    ) {
      integrations.add(Number(e.eventId));
      p.integrations.n++;
      if (integrationDone !== undefined) p.integrations.gapMs += ms(e) - integrationDone;
    }
    if (
      e.activityTaskCompletedEventAttributes &&
      integrations.has(Number(e.activityTaskCompletedEventAttributes.scheduledEventId))
    ) {
      const s = byId.get(Number(e.activityTaskCompletedEventAttributes.startedEventId));
      if (s) p.integrations.runMs += ms(e) - ms(s);
      integrationDone = ms(e);
    }
    if (e.workflowTaskStartedEventAttributes) {
      const s = byId.get(Number(e.workflowTaskStartedEventAttributes.scheduledEventId));
      if (s) p.wftWaitMs += ms(e) - ms(s);
    } else if (e.workflowTaskCompletedEventAttributes) {
      p.workflowTasks++;
      const s = byId.get(Number(e.workflowTaskCompletedEventAttributes.startedEventId));
      if (s) p.wftRunMs += ms(e) - ms(s);
    } else if (e.workflowTaskFailedEventAttributes) p.wftFailed++;
    else if (e.workflowTaskTimedOutEventAttributes) p.wftTimedOut++;
    else if (e.activityTaskStartedEventAttributes) {
      p.activities++;
      const s = byId.get(Number(e.activityTaskStartedEventAttributes.scheduledEventId));
      if (s) p.activityWaitMs += ms(e) - ms(s);
      if (integrations.has(Number(e.activityTaskStartedEventAttributes.scheduledEventId)) && s)
        p.integrations.waitMs += ms(e) - ms(s);
    } else if (e.workflowExecutionSignaledEventAttributes) p.signalsReceived++;
    else if (e.externalWorkflowExecutionSignaledEventAttributes) {
      p.signalsSent++;
      const s = byId.get(Number(e.externalWorkflowExecutionSignaledEventAttributes.initiatedEventId));
      if (s) p.signalMs += ms(e) - ms(s);
    } else if (e.childWorkflowExecutionStartedEventAttributes) {
      p.childStarts++;
      const s = byId.get(Number(e.childWorkflowExecutionStartedEventAttributes.initiatedEventId));
      if (s) p.childStartMs += ms(e) - ms(s);
    }
  }
  if (events.length) p.wallMs += ms(events[events.length - 1]) - ms(events[0]);
}

/** The kind of a workflow of run `root`: run, phase, batch or task. */
function kindOf(root: string, workflowId: string): string {
  if (workflowId === root) return 'run';
  const rest = workflowId.slice(root.length + 1);
  return rest.startsWith('phase-') ? 'phase' : rest.startsWith('batch-') ? 'batch' : 'task';
}

/** Reads every history of the run whose root workflow id is `root` (a few at a time) and profiles them by kind. */
export async function profileRun(client: Client, root: string): Promise<Map<string, KindProfile>> {
  const ids: Array<{ workflowId: string; runId: string }> = [];
  for await (const w of client.workflow.list({ query: `WorkflowId STARTS_WITH '${root}'` }))
    ids.push({ workflowId: w.workflowId, runId: w.runId });
  const out = new Map<string, KindProfile>();
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < ids.length) {
        const { workflowId, runId } = ids[next++];
        const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
        const kind = kindOf(root, workflowId);
        if (!out.has(kind)) out.set(kind, empty());
        profileOne(out.get(kind)!, workflowId.slice(root.length + 1) || '(run)', history.events ?? []);
      }
    }),
  );
  return out;
}

/** A table of the profile, per task of the run (n tasks) and per workflow task. */
export function profileLines(profile: Map<string, KindProfile>, n: number): string[] {
  const lines = [
    '  kind   execs  events/task  max events  WFTs/task  WFT wait  WFT run  WFT fail/timeout  activities/task  activity wait  signals in/out per task  signal ms  child start ms',
  ];
  const avg = (sum: number, count: number) => (count ? (sum / count).toFixed(0) : '-');
  for (const kind of ['run', 'phase', 'batch', 'task']) {
    const p = profile.get(kind);
    if (!p) continue;
    lines.push(
      `  ${kind.padEnd(6)} ${String(p.executions).padStart(5)}  ${(p.events / n).toFixed(1).padStart(11)}  ${String(p.maxEvents).padStart(10)}  ${(p.workflowTasks / n).toFixed(2).padStart(9)}  ${avg(p.wftWaitMs, p.workflowTasks).padStart(5)} ms  ${avg(p.wftRunMs, p.workflowTasks).padStart(4)} ms  ${`${p.wftFailed}/${p.wftTimedOut}`.padStart(16)}  ${(p.activities / n).toFixed(2).padStart(15)}  ${avg(p.activityWaitMs, p.activities).padStart(10)} ms  ${`${(p.signalsReceived / n).toFixed(2)}/${(p.signalsSent / n).toFixed(2)}`.padStart(23)}  ${avg(p.signalMs, p.signalsSent).padStart(9)}  ${avg(p.childStartMs, p.childStarts).padStart(14)}`,
    );
  }
  const b = profile.get('batch')?.integrations;
  if (b?.n)
    lines.push(
      `  integration steps (one at a time): ${b.n}, each waited ${(b.waitMs / b.n).toFixed(0)} ms to start, ran ${(b.runMs / b.n).toFixed(0)} ms, and the next was scheduled ${(b.gapMs / Math.max(1, b.n - profile.get('batch')!.executions)).toFixed(0)} ms after`,
    );
  const all = [...profile.values()];
  const sum = (f: (p: KindProfile) => number) => all.reduce((s, p) => s + f(p), 0);
  lines.push(
    `  all: ${(sum((p) => p.events) / n).toFixed(1)} events and ${(sum((p) => p.workflowTasks) / n).toFixed(2)} workflow tasks per task; workflow tasks waited ${(sum((p) => p.wftWaitMs) / 1000).toFixed(0)} s and ran ${(sum((p) => p.wftRunMs) / 1000).toFixed(0)} s in total`,
  );
  return lines;
}
