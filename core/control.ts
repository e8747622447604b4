// Operator control of a run (pause, resume, skip, retry, approve, abort), as pure state transitions.
// The run workflow owns the state and forwards it to the running phase and batch with controlSignal (workflows/run-messages.ts).

export interface ControlState {
  paused: boolean;
  /** Tasks the operator skipped: not started, or cancelled if running. */
  skip: string[];
  /** High-risk tasks (per --approve) the operator approved. */
  approved: string[];
  /** Skipped or failed tasks to try once more at the end of the run. */
  retry: string[];
  abort: null | { rollback: boolean };
  /** The run pauses itself when its cost reaches this (null: no budget). */
  budgetUsd: number | null;
  /** Why the run is paused, when it paused itself. */
  pauseReason?: string;
}

export type ControlAction =
  | { action: 'pause' }
  | { action: 'resume'; budgetUsd?: number }
  | { action: 'skip'; taskId: string }
  | { action: 'retry'; taskId: string }
  | { action: 'approve'; taskId: string }
  | { action: 'abort'; rollback?: boolean };

export const initialControl = (budgetUsd?: number): ControlState => ({
  paused: false,
  skip: [],
  approved: [],
  retry: [],
  abort: null,
  budgetUsd: budgetUsd ?? null,
});

/** Pauses the run when its cost has reached the budget (work in flight finishes; nothing new starts). */
export function checkBudget(s: ControlState, costUsd: number | undefined): ControlState {
  if (s.budgetUsd === null || costUsd === undefined || costUsd < s.budgetUsd || s.paused) return s;
  return {
    ...s,
    paused: true,
    pauseReason: `budget reached: $${costUsd.toFixed(4)} of $${s.budgetUsd.toFixed(2)}; resume with a higher --budget-usd, or abort`,
  };
}

const add = (xs: string[], x: string) => (xs.includes(x) ? xs : [...xs, x]);

/** The new state and a message for the operator. Pure; validation happens in the update's validator. */
export function applyControl(s: ControlState, a: ControlAction): { state: ControlState; message: string } {
  switch (a.action) {
    case 'pause':
      return {
        state: { ...s, paused: true },
        message: 'paused: running tasks finish, no new task starts until resume',
      };
    case 'resume': {
      const budgetUsd = a.budgetUsd ?? s.budgetUsd;
      return {
        state: { ...s, paused: false, pauseReason: undefined, budgetUsd },
        message: `resumed${a.budgetUsd !== undefined ? ` with a budget of $${a.budgetUsd}` : ''}`,
      };
    }
    case 'skip':
      return {
        state: { ...s, skip: add(s.skip, a.taskId), retry: s.retry.filter((x) => x !== a.taskId) },
        message: `${a.taskId} will be skipped (cancelled if it is running)`,
      };
    case 'retry':
      return {
        state: { ...s, retry: add(s.retry, a.taskId), skip: s.skip.filter((x) => x !== a.taskId) },
        message: `${a.taskId} will be tried again at the end of the run`,
      };
    case 'approve':
      return { state: { ...s, approved: add(s.approved, a.taskId) }, message: `${a.taskId} approved` };
    case 'abort':
      return {
        state: { ...s, abort: { rollback: !!a.rollback }, paused: false },
        message: `aborting: running tasks are cancelled${a.rollback ? ' and the run branch is reset to its base' : ''}`,
      };
  }
}

/** What the run knows when it checks an operator's action. */
export interface ControlCheck {
  runId: string;
  runStatus: string;
  control: ControlState;
  /** A task's status, and whether it was planned (in a batch); null for an unknown task. */
  statusOf: (taskId: string) => { status: string; planned: boolean } | null;
}

/** Throws, with why and what to do, when the action cannot be taken now. Pure (the update's validator). */
export function validateControl(action: ControlAction, { runId, runStatus, control, statusOf }: ControlCheck): void {
  if (['completed', 'failed', 'aborted', 'cancelled'].includes(runStatus))
    throw new Error(`run ${runId} has already ${runStatus === 'completed' ? 'completed' : 'ended'}`);
  if (control.abort) throw new Error(`run ${runId} is being aborted`);
  if (
    action.action === 'resume' &&
    control.budgetUsd !== null &&
    action.budgetUsd === undefined &&
    control.pauseReason?.startsWith('budget')
  ) {
    throw new Error(`the run paused at its budget of $${control.budgetUsd}; resume with --budget-usd higher than that`);
  }
  if (action.action === 'resume' && action.budgetUsd !== undefined && !(action.budgetUsd > 0))
    throw new Error('--budget-usd must be a positive number of dollars');
  if (!('taskId' in action)) return;
  const known = statusOf(action.taskId);
  if (!known) throw new Error(`${action.taskId} is not a task of run ${runId}`);
  const { status, planned } = known;
  if (action.action === 'skip' && status === 'integrated')
    throw new Error(
      `${action.taskId} is already on the run branch (integrated; its batch's suite decides whether it stays)`,
    );
  if (action.action === 'retry' && status === 'integrated')
    throw new Error(`${action.taskId} cannot be retried (it is integrated on the run branch)`);
  if (action.action === 'skip' && ['committed', 'skipped', 'failed'].includes(status))
    throw new Error(
      `${action.taskId} has already ${status === 'committed' ? 'been committed' : status === 'failed' ? 'failed' : 'been skipped'}`,
    );
  if (action.action === 'retry' && (status === 'committed' || !planned))
    throw new Error(
      `${action.taskId} cannot be retried (${status === 'committed' ? 'it is committed' : 'its task file could not be planned'})`,
    );
}
