import { WorkflowUpdateFailedError } from '@temporalio/client';
import type { ControlAction } from '../../core/control';
import { controlUpdate } from '../../workflows/run-messages';
import { ParsedArgs, stringFlag, UsageError } from '../args';
import { connectClient } from '../connection';
import { runWorkflowId } from '../start-run';

const USAGE: Record<string, string> = {
  pause: 'flotilla pause RUN_ID',
  resume: 'flotilla resume RUN_ID [--budget-usd X]',
  skip: 'flotilla skip RUN_ID TASK-x',
  retry: 'flotilla retry RUN_ID TASK-x',
  approve: 'flotilla approve RUN_ID TASK-x',
  abort: 'flotilla abort RUN_ID [--rollback]',
};

function actionFrom(name: string, args: ParsedArgs): ControlAction {
  const [, taskId] = args.positionals;
  switch (name) {
    case 'pause':
      return { action: 'pause' };
    case 'resume': {
      const budget = stringFlag(args, 'budget-usd');
      if (budget !== undefined && !(Number(budget) > 0)) throw new UsageError(`--budget-usd must be a positive number of dollars (got "${budget}")`);
      return budget !== undefined ? { action: 'resume', budgetUsd: Number(budget) } : { action: 'resume' };
    }
    case 'abort':
      return { action: 'abort', rollback: args.flags.rollback === true };
    case 'skip':
    case 'retry':
    case 'approve':
      if (!taskId) throw new UsageError(`usage: ${USAGE[name]}`);
      return { action: name, taskId };
    default:
      throw new UsageError(`unknown control command ${name}`);
  }
}

/** `flotilla pause|resume|skip|retry|approve|abort RUN_ID …`: a Temporal update on the run; prints what will happen. */
export function controlCommand(name: string) {
  return async (args: ParsedArgs, out: (s: string) => void): Promise<number> => {
    const runId = args.positionals[0];
    if (!runId) throw new UsageError(`usage: ${USAGE[name]}`);
    const action = actionFrom(name, args);
    const { client, connection } = await connectClient(stringFlag(args, 'address'));
    try {
      const message = await client.workflow.getHandle(runWorkflowId(runId)).executeUpdate(controlUpdate, { args: [action] });
      out(`Run ${runId}: ${message}`);
      return 0;
    } catch (err) {
      const why = err instanceof WorkflowUpdateFailedError ? (err.cause?.message ?? err.message) : (err as Error).message.split('\n')[0];
      throw new Error(`${name} was refused: ${why}`);
    } finally {
      await connection.close();
    }
  };
}
