// What the run workflow knows about its tasks and batches, kept small enough for any backlog size. Pure.
import type { BatchState, PlanOutline, TaskCounts, TaskState, TestEvidence, TokenUsage } from './types';
import type { Phase, Segment } from '../planner/types';
import { addCounts, countTasks, noCounts, tally } from './task-table';
import { addUsage, noUsage } from './usage';

export type BatchProgress = Partial<Pick<BatchState, 'state' | 'suite' | 'outcome'>>;

/** A suite's result without its output tail (the log has it), so what the run holds stays small. */
export function slimEvidence(e: TestEvidence): TestEvidence {
  return { ...e, tail: '', failingTests: e.failingTests.slice(0, 50) };
}

/** The part of the state carried over continue-as-new. */
export interface RunStateCarry {
  /** Tasks still held: the current segment's, and every one that did not commit. */
  tasks: TaskState[];
  /** Committed tasks of earlier segments, saved on disk and dropped from memory. */
  saved: { counts: TaskCounts; usage: TokenUsage };
  /** Batches of the current segment (those of earlier segments are done, and saved on disk). */
  batchProgress: Record<string, BatchProgress>;
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
    else
      this.progress[u.id] = {
        ...this.progress[u.id],
        ...(u.state ? { state: u.state } : {}),
        ...(u.suite ? { suite: slimEvidence(u.suite) } : {}),
        ...(u.outcome ? { outcome: u.outcome } : {}),
      };
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
    for (const t of this.tasks.values())
      if (t.status === 'skipped' || t.status === 'failed') out[t.id] = t.reason ?? t.status;
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

  /** Tasks saved on disk and no longer held (committed ones of earlier segments). */
  savedCount(): number {
    return this.saved.counts.planned;
  }

  /** Every batch of the plan; those of segments before `segmentIndex` are done (their details are on disk). */
  batches(outline: PlanOutline, segmentIndex: number): BatchState[] {
    const finished = new Set(outline.segments.slice(0, segmentIndex).flatMap((s) => s.batchIds));
    const out: BatchState[] = [];
    for (const p of outline.phases) {
      for (const b of p.batches)
        out.push({
          id: b.id,
          phase: b.phase,
          label: b.label,
          mode: b.mode,
          taskIds: b.taskIds,
          state: finished.has(b.id) ? 'done' : 'pending',
          ...this.progress[b.id],
        });
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
    return {
      tasks: kept,
      saved: { counts, usage },
      batchProgress: {},
      ...(this.retryBatch ? { retryBatch: this.retryBatch } : {}),
    };
  }

  /** What the current segment's batches did, to save on disk before it is dropped from memory. */
  batchProgress(): Record<string, BatchProgress> {
    return this.progress;
  }

  /** After abort --rollback: the committed tasks saved from earlier segments are rolled back too. */
  rollBackSaved(): void {
    const c = { ...this.saved.counts };
    c.skipped += c.committed;
    c.committed = 0;
    this.saved = { ...this.saved, counts: c };
  }
}

/** The tasks of a segment with the phase and batch each runs in. */
export function segmentTasks(
  outline: PlanOutline,
  segment: Segment,
): Array<{ id: string; phase: number; batch: string }> {
  const ids = new Set(segment.batchIds);
  return outline.phases.flatMap((p) =>
    p.batches
      .filter((b) => ids.has(b.id))
      .flatMap((b) => b.taskIds.map((id) => ({ id, phase: p.number, batch: b.id }))),
  );
}

/** Tasks of the segments after `index`: not in memory yet. */
export function tasksAfter(outline: PlanOutline, index: number): number {
  return outline.segments.slice(index + 1).reduce((n, s) => n + s.tasks, 0);
}

/**
 * The phase children of one segment: a whole phase runs as …/phase-N; a phase the segments cut runs as
 * …/phase-N.k, its k-th part, holding only this segment's batches.
 */
export function segmentPieces(outline: PlanOutline, segmentIndex: number): Array<{ phase: Phase; suffix: string }> {
  const ids = new Set(outline.segments[segmentIndex].batchIds);
  const out = [];
  for (const phase of outline.phases) {
    const batches = phase.batches.filter((b) => ids.has(b.id));
    if (!batches.length) continue;
    const partsBefore = outline.segments
      .slice(0, segmentIndex)
      .filter((s) => phase.batches.some((b) => s.batchIds.includes(b.id))).length;
    const whole = batches.length === phase.batches.length;
    out.push({
      phase: { ...phase, batches },
      suffix: whole ? `${phase.number}` : `${phase.number}.${partsBefore + 1}`,
    });
  }
  return out;
}
