// The live view of `flotilla watch` and `run --wait` on a terminal: what each running task is doing, read
// from the server without adding anything to the run's history. Frames are pure functions of what was read.
import type { Client } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import type { RunReport, TaskState } from '../core/types';

/** What a running task is doing now. */
export interface TaskStep {
  /** "agent turn 3", "agent: running its tests", "testing", "reviewing", "committing"… */
  step: string;
  /** The current agent attempt's cost so far, in dollars, when the agent reports it. */
  costUsd?: number;
}

/** A pending activity of a task workflow, as describe() returns it, with its heartbeat details decoded. */
export interface PendingStep {
  activity: string;
  details?: unknown;
  /** Temporal's retry attempt of the activity (1 for the first try). */
  retry?: number;
}

/** The step a task is at, from its pending activities (an agent turn's heartbeats carry { turn, costUsd }, its test tool { tests: true }). Pure. */
export function stepOf(pending: PendingStep[]): TaskStep {
  const p = pending[0];
  if (!p) return { step: 'between steps' };
  const d = (p.details ?? {}) as { turn?: number; tests?: boolean; costUsd?: number; review?: number };
  const retry = p.retry && p.retry > 1 ? ` (try ${p.retry})` : '';
  const cost = typeof d.costUsd === 'number' ? { costUsd: d.costUsd } : {};
  switch (p.activity) {
    case 'startAgent': // a fresh worktree, then turn 1
    case 'agentTurn': // each later turn
      if (d.tests) return { step: `agent: running its tests${retry}`, ...cost };
      return { step: `${d.turn ? `agent turn ${d.turn}` : 'agent starting'}${retry}`, ...cost };
    case 'modelPermit':
      return { step: 'agent: waiting for --agent-rpm' };
    case 'runTaskTests':
      return { step: `testing${retry}` };
    case 'reviewTask':
      return { step: `reviewing${d.review ? ` (turn ${d.review})` : ''}${retry}` };
    case 'commitTask':
      return { step: `committing${retry}` };
    case 'removeTaskWorktree':
      return { step: 'cleaning up' };
    default:
      return { step: `${p.activity}${retry}` };
  }
}

/** Reads the step of each running task from its workflow's pending activities (a describe per task: no query, no history). */
export async function readTaskSteps(
  client: Client,
  rootWorkflowId: string,
  taskIds: string[],
): Promise<Map<string, TaskStep>> {
  const steps = new Map<string, TaskStep>();
  await Promise.all(
    taskIds.slice(0, 32).map(async (id) => {
      try {
        const d = await client.workflow.getHandle(`${rootWorkflowId}/${id}`).describe();
        const pending: PendingStep[] = (d.raw.pendingActivities ?? []).map((a) => {
          const payload = a.heartbeatDetails?.payloads?.[0];
          let details: unknown;
          try {
            details = payload ? defaultPayloadConverter.fromPayload(payload) : undefined;
          } catch {
            details = undefined;
          }
          return { activity: a.activityType?.name ?? 'activity', details, retry: a.attempt ?? undefined };
        });
        steps.set(id, stepOf(pending));
      } catch {
        /* not started yet, or just ended */
      }
    }),
  );
  return steps;
}

const done = ({ counts: c }: RunReport) => c.planned - c.pending - c.running - c['awaiting-approval'];

function bar(fraction: number, width = 30): string {
  const full = Math.round(Math.max(0, Math.min(1, fraction)) * width);
  return `[${'█'.repeat(full)}${'░'.repeat(width - full)}]`;
}

const money = (usd: number | undefined) => (usd === undefined ? '' : `$${usd.toFixed(usd < 1 ? 4 : 2)}`);

/** What the run is doing before its tasks start: starting, planning, the baseline suite. */
export function phaseMessage(r: Pick<RunReport, 'status' | 'planPath' | 'baseline'>): string | null {
  if (r.status === 'starting') return 'Starting: checking the repository and creating the run branch…';
  if (r.status === 'planning' && !r.planPath) return 'Planning the backlog into phases and batches…';
  if (r.status === 'planning') return 'Running the baseline: the full test suite on the base commit…';
  return null;
}

/** One frame of the live view. Pure. */
export function liveFrame(
  r: RunReport,
  steps: Map<string, TaskStep>,
  opts: { width?: number; maxTasks?: number } = {},
): string {
  const width = opts.width ?? 100;
  const clip = (s: string) => (s.length > width ? `${s.slice(0, width - 1)}…` : s);
  const c = r.counts;
  const lines: string[] = [];
  const status =
    r.status === 'paused' ? `paused (${r.reason ?? 'by the operator'}; flotilla resume ${r.runId})` : r.status;
  lines.push(`Run ${r.runId}: ${status}${r.segment ? `, segment ${r.segment.number} of ${r.segment.of}` : ''}`);
  const message = phaseMessage(r);
  if (message) {
    lines.push(`  ${message}`);
  } else {
    const n = done(r);
    const batch = r.batches.find((b) => b.state === 'running');
    lines.push(
      `  ${bar(c.planned ? n / c.planned : 0)} ${n}/${c.planned} tasks done${batch ? `, batch ${batch.id} (${batch.mode})` : ''}`,
    );
    lines.push(
      `  ${c.committed} committed${c.integrated ? `, ${c.integrated} integrated` : ''}, ${c.skipped} skipped, ${c.failed} failed, ${c.running} running${c['awaiting-approval'] ? `, ${c['awaiting-approval']} waiting for approval` : ''}${r.usage.costUsd !== undefined ? ` · $${r.usage.costUsd.toFixed(2)} so far` : ''}`,
    );
  }
  const running = r.tasks.filter((t) => t.status === 'running');
  const waiting = r.tasks.filter((t) => t.status === 'awaiting-approval');
  const max = opts.maxTasks ?? 20;
  if (running.length) lines.push('');
  const idWidth = Math.max(9, ...running.map((t) => t.id.length));
  for (const t of running.slice(0, max)) lines.push(taskLine(t, steps.get(t.id), idWidth));
  if (running.length > max) lines.push(`  … and ${running.length - max} more running`);
  for (const t of waiting.slice(0, max))
    lines.push(`  ${t.id.padEnd(idWidth)}  waiting for approval: flotilla approve ${r.runId} ${t.id}`);
  lines.push('', 'Ctrl-C stops watching; the run goes on.');
  // Clipped to the terminal's width: a wrapped line would break the redraw in place.
  return lines.map(clip).join('\n');
}

function taskLine(t: TaskState, s: TaskStep | undefined, idWidth: number): string {
  const step = s?.step ?? '…';
  const cost = money(s?.costUsd);
  return `  ${t.id.padEnd(idWidth)}  ${step.padEnd(26)} ${cost.padStart(8)}  ${t.title}`;
}
