import { checkBudget, initialControl, validateControl } from '../../core/control';

const statuses: Record<string, { status: string; planned: boolean }> = {
  'TASK-1': { status: 'committed', planned: true },
  'TASK-2': { status: 'skipped', planned: true },
  'TASK-3': { status: 'skipped', planned: false },
  'TASK-4': { status: 'pending', planned: true },
};
const check = (over: Partial<Parameters<typeof validateControl>[1]> = {}) => ({
  runId: 'r1',
  runStatus: 'running',
  control: initialControl(),
  statusOf: (id: string) => statuses[id] ?? null,
  ...over,
});

describe('validateControl: what an operator may do now, and why not', () => {
  it('accepts what makes sense', () => {
    expect(() => validateControl({ action: 'skip', taskId: 'TASK-4' }, check())).not.toThrow();
    expect(() => validateControl({ action: 'retry', taskId: 'TASK-2' }, check())).not.toThrow();
    expect(() => validateControl({ action: 'pause' }, check())).not.toThrow();
  });

  it('refuses with the reason', () => {
    expect(() => validateControl({ action: 'pause' }, check({ runStatus: 'completed' }))).toThrow(
      'run r1 has already completed',
    );
    expect(() =>
      validateControl({ action: 'pause' }, check({ control: { ...initialControl(), abort: { rollback: false } } })),
    ).toThrow('run r1 is being aborted');
    expect(() => validateControl({ action: 'skip', taskId: 'TASK-9' }, check())).toThrow(
      'TASK-9 is not a task of run r1',
    );
    expect(() => validateControl({ action: 'skip', taskId: 'TASK-1' }, check())).toThrow(
      'TASK-1 has already been committed',
    );
    expect(() => validateControl({ action: 'retry', taskId: 'TASK-1' }, check())).toThrow(
      'TASK-1 cannot be retried (it is committed)',
    );
    expect(() => validateControl({ action: 'retry', taskId: 'TASK-3' }, check())).toThrow(
      'its task file could not be planned',
    );
    expect(() => validateControl({ action: 'resume', budgetUsd: -1 }, check())).toThrow(
      '--budget-usd must be a positive number',
    );
  });

  it('a run paused at its budget resumes only with a higher one', () => {
    const paused = checkBudget(initialControl(1), 1.2);
    expect(paused.paused).toBe(true);
    expect(() => validateControl({ action: 'resume' }, check({ control: paused }))).toThrow(
      'resume with --budget-usd higher than that',
    );
    expect(() => validateControl({ action: 'resume', budgetUsd: 2 }, check({ control: paused }))).not.toThrow();
  });
});
