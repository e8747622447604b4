import { WorkflowUpdateFailedError } from '@temporalio/client';
import type { ControlAction } from '../../core/control';
import { controlUpdate } from '../../workflows/run-messages';
import {
  bool,
  type Command,
  CONNECTION_FLAGS,
  connectionFrom,
  type FlagSpec,
  num,
  type ParsedArgs,
  type PositionalSpec,
} from '../args';
import { connectClient } from '../connection';
import { runWorkflowId } from '../start-run';

export type ControlName = 'pause' | 'resume' | 'skip' | 'retry' | 'approve' | 'abort';

const RUN_ID: PositionalSpec = { name: 'RUN_ID', description: 'the run (flotilla runs lists them)' };
const TASK_ID: PositionalSpec = { name: 'TASK_ID', description: 'the task, e.g. TASK-0007' };

const SPECS: Record<
  ControlName,
  {
    summary: string;
    details?: string;
    positionals: PositionalSpec[];
    flags: Record<string, FlagSpec>;
    examples: string[];
  }
> = {
  pause: {
    summary: 'stop starting new tasks (running tasks finish)',
    positionals: [RUN_ID],
    flags: {},
    examples: ['flotilla pause 20250101-120000-ab12'],
  },
  resume: {
    summary: 'go on after a pause (or a budget stop, with a higher budget)',
    positionals: [RUN_ID],
    flags: {
      'budget-usd': {
        type: 'string',
        value: 'X',
        positive: true,
        unit: 'dollars',
        description: 'the new budget: pause again when the model cost reaches X dollars',
        defaultText: 'unchanged',
      },
    },
    examples: ['flotilla resume 20250101-120000-ab12', 'flotilla resume 20250101-120000-ab12 --budget-usd 20'],
  },
  skip: {
    summary: 'skip a pending task, or cancel it if it is running (its worktree is discarded)',
    positionals: [RUN_ID, TASK_ID],
    flags: {},
    examples: ['flotilla skip 20250101-120000-ab12 TASK-0007'],
  },
  retry: {
    summary: 'try a skipped or failed task once more at the end of the run',
    positionals: [RUN_ID, TASK_ID],
    flags: {},
    examples: ['flotilla retry 20250101-120000-ab12 TASK-0012'],
  },
  approve: {
    summary: 'let a task gated by --approve go ahead',
    positionals: [RUN_ID, TASK_ID],
    flags: {},
    examples: ['flotilla approve 20250101-120000-ab12 TASK-0031'],
  },
  abort: {
    summary: 'cancel the running tasks and stop the run',
    positionals: [RUN_ID],
    flags: {
      rollback: { type: 'boolean', description: 'also reset the run branch to its base (as flotilla rollback does)' },
    },
    examples: ['flotilla abort 20250101-120000-ab12', 'flotilla abort 20250101-120000-ab12 --rollback'],
  },
};

function actionFrom(name: ControlName, args: ParsedArgs): ControlAction {
  const taskId = args.positionals[1];
  switch (name) {
    case 'pause':
      return { action: 'pause' };
    case 'resume': {
      const budget = num(args, 'budget-usd');
      return budget !== undefined ? { action: 'resume', budgetUsd: budget } : { action: 'resume' };
    }
    case 'abort':
      return { action: 'abort', rollback: bool(args, 'rollback') };
    case 'skip':
    case 'retry':
    case 'approve':
      return { action: name, taskId };
  }
}

/** `flotilla pause|resume|skip|retry|approve|abort RUN_ID …`: a Temporal update on the run; prints what will happen. */
export function controlCommand(name: ControlName): Command {
  const spec = SPECS[name];
  return {
    name,
    ...spec,
    details: 'A Temporal update on the run: the answer says what will happen, or why not (then exit 1).',
    flags: { ...spec.flags, ...CONNECTION_FLAGS },
    async run(args, out) {
      const runId = args.positionals[0];
      const action = actionFrom(name, args);
      const { client, connection } = await connectClient(connectionFrom(args));
      try {
        const message = await client.workflow
          .getHandle(runWorkflowId(runId))
          .executeUpdate(controlUpdate, { args: [action] });
        out(`Run ${runId}: ${message}`);
        return 0;
      } catch (err) {
        const why =
          err instanceof WorkflowUpdateFailedError
            ? (err.cause?.message ?? err.message)
            : (err as Error).message.split('\n')[0];
        throw new Error(`${name} was refused: ${why}`);
      } finally {
        await connection.close();
      }
    },
  };
}
