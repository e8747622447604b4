// The lanes' hand-offs, for bench:makespan: for every agent after the first wave, the time from an agent finishing
// to the next agent starting in the lane it freed, per wave. Read from the histories' activity times only, so it
// measures any lane protocol the same way.

/** An activity of a task's workflow (workflowId ends with the task id), with its history times in ms. */
export interface Span {
  workflowId: string;
  type: string;
  scheduled: number;
  started: number;
  closed: number;
}

const AGENT = ['startAgent', 'agentTurn', 'runAgent'];
const FIRST = ['startAgent', 'runAgent'];

export interface Handoff {
  task: string;
  wave: number;
  /** From the freeing agent's last turn closing to this task hearing its grant (laneGranted), when it waited on deck. */
  signalMs?: number;
  /** Who granted it: the task before it in the lane, or the batch. */
  by?: 'task' | 'batch';
  /** From hearing the grant to its next workflow task being started by the worker, and completed (which schedules the agent). */
  wtStartMs?: number;
  wtDoneMs?: number;
  /** From the freeing agent's last turn closing to this agent's first turn being scheduled. */
  grantMs: number;
  /** … to it being started by a worker (the agent running). */
  startMs: number;
}

/**
 * Each task's agent runs from its first turn's scheduling to its last turn's closing. The first `lanes` agents
 * open the lanes; every later agent takes the lane freed earliest before it (agents finish and start in order, so
 * the lanes form a queue). Wave w is agents w·lanes … (w+1)·lanes − 1 in start order.
 */
export function laneHandoffs(spans: Span[], lanes: number): Handoff[] {
  const byTask = new Map<string, { start: number; started: number; end: number }>();
  const granted = new Map<string, { at: number; by: 'task' | 'batch'; wtStarted: number; wtDone: number }>();
  for (const x of spans) {
    if (x.type === 'laneGranted@task' || x.type === 'laneGranted@batch') {
      const id = x.workflowId.split('/').pop()!;
      if (!granted.has(id))
        granted.set(id, {
          at: x.scheduled,
          by: x.type === 'laneGranted@task' ? 'task' : 'batch',
          wtStarted: x.started,
          wtDone: x.closed,
        });
    }
    if (!AGENT.includes(x.type)) continue;
    const id = x.workflowId.split('/').pop()!;
    const t = byTask.get(id) ?? { start: Infinity, started: Infinity, end: 0 };
    if (FIRST.includes(x.type) && x.scheduled < t.start) {
      t.start = x.scheduled;
      t.started = x.started;
    }
    t.end = Math.max(t.end, x.closed);
    byTask.set(id, t);
  }
  const agents = [...byTask.entries()].filter(([, t]) => t.start < Infinity).sort((a, b) => a[1].start - b[1].start);
  const freed = agents.map(([, t]) => t.end).sort((a, b) => a - b);
  const out: Handoff[] = [];
  let f = 0;
  agents.forEach(([task, t], i) => {
    if (i < lanes) return;
    // The lane freed earliest (before this agent's grant) that no agent took yet.
    const at = Math.min(freed[f++] ?? t.start, t.start);
    const g = granted.get(task);
    out.push({
      task,
      wave: Math.floor(i / lanes) + 1,
      ...(g
        ? {
            signalMs: g.at - at,
            by: g.by,
            ...(g.wtStarted ? { wtStartMs: g.wtStarted - g.at } : {}),
            ...(g.wtDone ? { wtDoneMs: g.wtDone - g.at } : {}),
          }
        : {}),
      grantMs: t.start - at,
      startMs: t.started - at,
    });
  });
  return out;
}

/** One line per wave: the hand-offs' median and worst, and how many took more than 0.3 s. */
export function handoffLines(h: Handoff[]): string[] {
  const waves = [...new Set(h.map((x) => x.wave))].sort((a, b) => a - b);
  const q = (xs: number[], p: number) =>
    [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))] ?? 0;
  const f = (ms: number) => (ms / 1000).toFixed(2);
  return waves.map((w) => {
    const of = h.filter((x) => x.wave === w);
    const grant = of.map((x) => x.grantMs);
    const start = of.map((x) => x.startMs);
    const slow = start.filter((ms) => ms > 300).length;
    const heard = of.filter((x) => x.signalMs !== undefined).map((x) => x.signalMs!);
    const direct = of.filter((x) => x.by === 'task').length;
    const wtStart = of.filter((x) => x.wtStartMs !== undefined).map((x) => x.wtStartMs!);
    const wtDone = of.filter((x) => x.wtDoneMs !== undefined).map((x) => x.wtDoneMs!);
    const wt = wtStart.length
      ? `, then its workflow task started +${f(q(wtStart, 0.5))} s and completed +${f(q(wtDone, 0.5))} s (medians)`
      : '';
    const signal = heard.length
      ? `grant heard median ${f(q(heard, 0.5))} s (${direct} of ${of.length} from the task before it, ${of.filter((x) => x.by === 'batch').length} from the batch)${wt}; `
      : '';
    return `    wave ${w}: ${of.length} lanes re-granted; agent finished → ${signal}next agent scheduled median ${f(q(grant, 0.5))} s, max ${f(Math.max(...grant))} s; → running median ${f(q(start, 0.5))} s, max ${f(Math.max(...start))} s${slow ? ` (${slow} over 0.3 s)` : ''}`;
  });
}
