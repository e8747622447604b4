/** The task queue Flotilla's workflows and activities run on unless told otherwise. */
export const DEFAULT_TASK_QUEUE = process.env.FLOTILLA_TASK_QUEUE ?? 'flotilla';
