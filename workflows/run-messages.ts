// Signals and queries of the run workflow (flotillaRun). Batches report progress to the run through them.
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { BatchState, RunReport, TaskState } from '../core/types';
import type { ControlAction, ControlState } from '../core/control';

export type TaskUpdate = Partial<TaskState> & { id: string };
export type BatchUpdate = Partial<BatchState> & { id: string };

/** The live state of the run, in the same shape as report.json. */
export const statusQuery = defineQuery<RunReport>('status');
/** Several tasks' updates, in the order they happened: a batch coalesces what it reports while its previous signal is on its way. */
export const taskUpdatesSignal = defineSignal<[TaskUpdate[]]>('taskUpdates');
export const batchUpdateSignal = defineSignal<[BatchUpdate]>('batchUpdate');
/** Batch → run: its changes are all on the run branch, at `tip`, and its full suite runs now (the run may start its review). */
export const branchReadySignal = defineSignal<[{ batch: string; tip: string }]>('branchReady');

/** Operator control (flotilla pause|resume|skip|retry|approve|abort): answers with what will happen, or rejects with why not. */
export const controlUpdate = defineUpdate<string, [ControlAction]>('control');

/** The run forwards its control state (pause, skip, approve, abort) to the running phase and batch. */
export const controlSignal = defineSignal<[ControlState]>('control');
