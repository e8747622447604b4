// Every workflow the worker registers (one per file).
export { flotillaRun } from './run';
export { phaseWorkflow } from './phase';
export { batchWorkflow } from './batch/batch';
export { taskWorkflow } from './task/task';
export { culpritSearchWorkflow } from './batch/find-culprits';
