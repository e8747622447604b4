// Signals between a parallel batch and its tasks about lanes (--max-parallel): a lane is one running agent.
// A task gives its lane back once its agent is done, so the batch's next agent starts while the finished
// task's tests, review and commit run beside it; a task whose agent must run again asks for a lane first.
import { defineSignal } from '@temporalio/workflow';

/** Task → batch: my agent is done, my lane is free (argument: the task id). */
export const laneFreeSignal = defineSignal<[string]>('laneFree');
/** Task → batch: my agent must run again (tests failed, review asked for changes, its host stopped): give me a lane. */
export const laneWantedSignal = defineSignal<[string]>('laneWanted');
/** Batch → task: a lane is yours. */
export const laneGrantedSignal = defineSignal('laneGranted');
