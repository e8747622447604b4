import type { Phase, Segment } from './types';

/** Tasks per segment at most: one run of the root workflow handles about this many, then continues-as-new. */
export const SEGMENT_TASKS = 1000;

/**
 * Splits the schedule into segments of consecutive batches holding at most `maxTasks` tasks each (a
 * batch is never split). The run workflow handles one segment per execution and continues-as-new at
 * each boundary, so its history stays bounded however large the backlog is. A boundary may fall between
 * the batches of one phase; that phase then runs as one child workflow per part. Pure.
 */
export function segmentsOf(phases: Phase[], maxTasks: number = SEGMENT_TASKS): Segment[] {
  const segments: Segment[] = [];
  let current: Segment | null = null;
  for (const phase of phases) {
    for (const batch of phase.batches) {
      const n = batch.taskIds.length;
      if (!current || (current.tasks > 0 && current.tasks + n > maxTasks)) {
        current = { number: segments.length + 1, batchIds: [], tasks: 0 };
        segments.push(current);
      }
      current.batchIds.push(batch.id);
      current.tasks += n;
    }
  }
  return segments;
}

/** "1A–2C" for a segment's first and last batch. */
export function segmentSpan(s: Segment): string {
  const first = s.batchIds[0];
  const last = s.batchIds[s.batchIds.length - 1];
  return first === last ? first : `${first}–${last}`;
}
