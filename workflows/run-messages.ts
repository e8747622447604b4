// Signals and queries of the run workflow (flotillaRun). Batches report progress to the run through them.
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { BatchState, RunReport, TaskState } from '../activities/types';

export type TaskUpdate = Partial<TaskState> & { id: string };
export type BatchUpdate = Partial<BatchState> & { id: string };

/** The live state of the run, in the same shape as report.json. */
export const statusQuery = defineQuery<RunReport>('status');
export const taskUpdateSignal = defineSignal<[TaskUpdate]>('taskUpdate');
export const batchUpdateSignal = defineSignal<[BatchUpdate]>('batchUpdate');
