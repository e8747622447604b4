import { type Risk, type Task } from './types';

const BASE_MINUTES: Record<Risk, number> = { low: 2, medium: 4, high: 6 };

/** Rough agent wall-clock minutes for one task: by risk, plus a little per file and per change block. */
export function estimateMinutes(task: Pick<Task, 'risk' | 'changes'>, touches: string[]): number {
  return BASE_MINUTES[task.risk] + 0.5 * Math.max(0, touches.length - 1) + 0.25 * task.changes.length;
}
