import { buildPlan, explainTask, type Task } from '../../planner';
import { plannerTask } from '../helpers/planner-task';

const mk = (id: string, category: string, files: string[], over: Partial<Task> = {}): Task =>
  plannerTask(id, { category, files, ...over });

describe('--explain says why a batch mixes modules and kinds', () => {
  it('names the mix and, for each other task of the same kind or module, what keeps it out', () => {
    // Two docs tasks on one file and two lint tasks on another: batches of two must mix them.
    const plan = buildPlan(
      [
        mk('TASK-0001', 'docs', ['src/a.ts']),
        mk('TASK-0002', 'docs', ['src/a.ts']),
        mk('TASK-0003', 'lint', ['src/c.ts']),
        mk('TASK-0004', 'lint', ['src/c.ts']),
        mk('TASK-0005', 'docs', ['src/d.ts'], { dependsOn: ['TASK-0001'] }),
      ],
      [],
      { repoName: 'r', testCommand: 't', sequentialRisk: 'high', maxParallel: 4, maxBatchTasks: 2 },
    );
    const where = (id: string) => plan.phases[0].batches.find((b) => b.taskIds.includes(id))!.id;
    const lines = explainTask(plan, 'TASK-0001').join('\n');
    expect(where('TASK-0001')).not.toBe(where('TASK-0005'));
    expect(lines).toMatch(/grouping: this batch mixes 2 kinds \(docs, lint\) and 2 modules \(src\/a, src\/c\)/);
    expect(lines).toContain(`TASK-0002 (${where('TASK-0002')}): shares src/a.ts with TASK-0001 here`);
    expect(lines).toContain(
      `TASK-0005 (${where('TASK-0005')}): depends on TASK-0001, which runs in this batch or later`,
    );
  });

  it('says when a batch is one module and one kind', () => {
    const plan = buildPlan([mk('TASK-0001', 'docs', ['src/a/x.ts']), mk('TASK-0002', 'docs', ['src/a/y.ts'])], [], {
      repoName: 'r',
      testCommand: 't',
      sequentialRisk: 'high',
      maxParallel: 4,
    });
    expect(explainTask(plan, 'TASK-0001')).toContain('  grouping: the whole batch is docs in src/a');
  });
});
