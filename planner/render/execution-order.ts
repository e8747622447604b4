import type { Batch, Phase, Plan } from '../types';

/** One step of the run, in the order the workflows take it: a batch of a phase. */
export interface Step {
  phase: Phase;
  batch: Batch;
}

/**
 * The steps in the order the run executes them: phases in order, and within a phase its batches in order
 * (workflows/phase.ts runs `phase.batches` one after another; the run's segments are consecutive batches of
 * that same sequence, planner/segments.ts). Within a batch, tasks start in `taskIds` order. Pure.
 */
export function executionSteps(plan: Pick<Plan, 'phases'>): Step[] {
  return plan.phases.flatMap((phase) => phase.batches.map((batch) => ({ phase, batch })));
}

/** Each task's position in the run: its step's index (tasks of one parallel batch share it). */
export function stepIndex(plan: Pick<Plan, 'phases'>): Map<string, number> {
  const at = new Map<string, number>();
  executionSteps(plan).forEach((s, i) => s.batch.taskIds.forEach((id) => at.set(id, i)));
  return at;
}

/** An earlier task of the same phase that a task must wait for because both change these files. */
export interface FileWait {
  id: string;
  batch: string;
  files: string[];
}

/**
 * For each task of a phase, the earlier tasks of that phase it shares files with, and which files: the
 * reason it does not run beside them. Tasks without such a partner are absent.
 */
export function fileWaits(plan: Pick<Plan, 'phases' | 'conflicts'>, phase: Phase): Map<string, FileWait[]> {
  const at = stepIndex(plan);
  const batchOf = new Map(phase.batches.flatMap((b) => b.taskIds.map((id) => [id, b.id] as const)));
  const waits = new Map<string, Map<string, string[]>>();
  for (const c of plan.conflicts) {
    const here = c.tasks.filter((id) => batchOf.has(id));
    for (const later of here) {
      for (const earlier of here) {
        if (at.get(earlier)! >= at.get(later)!) continue;
        const byTask = waits.get(later) ?? new Map<string, string[]>();
        byTask.set(earlier, [...(byTask.get(earlier) ?? []), c.file]);
        waits.set(later, byTask);
      }
    }
  }
  const out = new Map<string, FileWait[]>();
  for (const [id, byTask] of waits) {
    const list = [...byTask.entries()].map(([e, files]) => ({ id: e, batch: batchOf.get(e)!, files: files.sort() }));
    out.set(
      id,
      list.sort((a, b) => at.get(a.id)! - at.get(b.id)! || a.id.localeCompare(b.id)),
    );
  }
  return out;
}
