// What the run workflow knows about its tasks and batches, kept small enough for any backlog size. Pure.
import type { BatchState, PlanOutline, TaskCounts, TaskState, TokenUsage } from '../activities/types';
import type { Segment } from '../planner/types';
import { addCounts, countTasks, noCounts, tally } from './task-table';
import { addUsage, noUsage } from './usage';

/** The part of the state carried over continue-as-new. */
export interface RunStateCarry {
  /** Tasks still held: the current segment's, and every one that did not commit. */
  tasks: TaskState[];
  /** Committed tasks of earlier segments, saved on disk and dropped from memory. */
  saved: { counts: TaskCounts; usage: TokenUsage };
  batchProgress: Record<string, Partial<Pick<BatchState, 'state' | 'suite' | 'outcome'>>>;
  /** The operator-retry batch, once it exists. */
  retryBatch?: BatchState;
}

export class RunState {
  readonly tasks = new Map<string, TaskState>();
  private saved: RunStateCarry['saved'];
  private progress: RunStateCarry['batchProgress'];
  private retryBatch?: BatchState;
  /** Usage of the tasks in memory, kept up to date on every change (never re-summed per signal). */
  private liveUsage: TokenUsage;

  constructor(carry?: RunStateCarry) {
    for (const t of carry?.tasks ?? []) this.tasks.set(t.id, t);
    this.saved = carry?.saved ?? { counts: noCounts(), usage: noUsage() };
    this.progress = carry?.batchProgress ?? {};
    this.retryBatch = carry?.retryBatch;
    this.liveUsage = countTasks(this.tasks.values()).usage;
  }

  set(t: TaskState): void {
    const prev = this.tasks.get(t.id);
    if (prev?.usage) addUsage(this.liveUsage, prev.usage, -1);
    if (t.usage) addUsage(this.liveUsage, t.usage);
    this.tasks.set(t.id, t);
  }

  update(u: Partial<TaskState> & { id: string }): void {
    const prev = this.tasks.get(u.id);
    if (prev) this.set({ ...prev, ...u });
  }

  updateBatch(u: Partial<BatchState> & { id: string }): void {
    if (u.id === this.retryBatch?.id) this.retryBatch = { ...this.retryBatch, ...u };
    else this.progress[u.id] = { ...this.progress[u.id], ...(u.state ? { state: u.state } : {}), ...(u.suite ? { suite: u.suite } : {}), ...(u.outcome ? { outcome: u.outcome } : {}) };
  }

  addRetryBatch(b: BatchState): void {
    this.retryBatch = b;
  }

  usage(): TokenUsage {
    const total = { ...this.saved.usage };
    addUsage(total, this.liveUsage);
    return total;
  }

  /** Tasks that did not commit, with why: tasks depending on them are skipped. */
  blocked(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const t of this.tasks.values()) if (t.status === 'skipped' || t.status === 'failed') out[t.id] = t.reason ?? t.status;
    return out;
  }

  /** Counts over the whole run: tasks in memory, tasks saved on disk, and `unseen` tasks of later segments. */
  counts(unseen: { n: number; status: 'pending' | 'skipped' }): TaskCounts {
    const counts = noCounts();
    tally(this.tasks.values(), counts);
    const all = addCounts(counts, this.saved.counts);
    all[unseen.status] += unseen.n;
    all.planned += unseen.n;
    return all;
  }

  savedCount(): number {
    return this.saved.counts.committed;
  }

  batches(outline: PlanOutline): BatchState[] {
    const out: BatchState[] = [];
    for (const p of outline.phases) {
      for (const b of p.batches) out.push({ id: b.id, phase: b.phase, label: b.label, mode: b.mode, taskIds: b.taskIds, state: 'pending', ...this.progress[b.id] });
    }
    if (this.retryBatch) out.push(this.retryBatch);
    return out;
  }

  /** Drops the committed tasks from memory once they are saved on disk; returns what to carry over. */
  carryAfterSaving(): RunStateCarry {
    const kept: TaskState[] = [];
    const dropped: TaskState[] = [];
    for (const t of this.tasks.values()) (t.status === 'committed' ? dropped : kept).push(t);
    const counts = { ...this.saved.counts };
    const usage = { ...this.saved.usage };
    tally(dropped, counts, usage);
    return { tasks: kept, saved: { counts, usage }, batchProgress: this.progress, ...(this.retryBatch ? { retryBatch: this.retryBatch } : {}) };
  }
}

/** The tasks of a segment with the phase and batch each runs in. */
export function segmentTasks(outline: PlanOutline, segment: Segment): Array<{ id: string; phase: number; batch: string }> {
  const ids = new Set(segment.batchIds);
  return outline.phases.flatMap((p) => p.batches.filter((b) => ids.has(b.id)).flatMap((b) => b.taskIds.map((id) => ({ id, phase: p.number, batch: b.id }))));
}

/** Tasks of the segments after `index`: not in memory yet. */
export function tasksAfter(outline: PlanOutline, index: number): number {
  return outline.segments.slice(index + 1).reduce((n, s) => n + s.tasks, 0);
}
