import { buildPlan, renderPlanMarkdown, type Task } from '../../planner';
import { plannerTask } from '../helpers/planner-task';

const mk = (id: string, over: Partial<Task> = {}): Task => plannerTask(id, { title: `Title of ${id}`, ...over });

// Every heading and tag of the seed's "Output Specification", in order.
const STRUCTURE = [
  '# Task Execution Plan',
  '## Executive Summary',
  '## Execution Phases',
  '### Phase 1: Foundation Tasks',
  '<phase_1>',
  'Parallel Batch 1A (Independent, Low Risk)',
  'Sequential (File conflicts):',
  'Validation:',
  '</phase_1>',
  '### Phase 2: Core Improvements',
  '<phase_2>',
  '</phase_2>',
  '## Agent Coordination',
  '### Parallel Execution Commands',
  '<parallel_commands>',
  '# Batch 1A - Launch all simultaneously',
  'agents = [',
  'Task(subagent_type="general-purpose", model="haiku", prompt="Execute TASK-',
  '</parallel_commands>',
  '### Sequential Execution Commands',
  '<sequential_commands>',
  '# Run one at a time for conflicting tasks',
  '</sequential_commands>',
  '## Quality Gates',
  '### Pre-Execution Checklist',
  '<pre_execution>',
  '- [ ] Working tree clean',
  '- [ ] All tests passing',
  '- [ ] Dependencies installed',
  '- [ ] Backup created',
  '</pre_execution>',
  '### Per-Task Validation',
  '<per_task_validation>',
  '1. Run task-specific tests',
  '2. Verify no test breakage',
  '3. Check file modifications correct',
  '4. Archive and commit',
  '</per_task_validation>',
  '### Phase Validation',
  '<phase_validation>',
  'After each phase:',
  '- [ ] Run full test suite',
  '- [ ] Check e2e tests',
  '- [ ] Review changes',
  '- [ ] Document any issues',
  '</phase_validation>',
  '## Failure Recovery',
  '### Rollback Procedures',
  '<rollback>',
  'If task fails:',
  '</rollback>',
  '### Skip Lists',
  '<skip_conditions>',
  'Skip task if:',
  '</skip_conditions>',
  '## Code Review Preparation',
  '### Review Checklist',
  '<review_prep>',
  '- [ ] All tasks completed',
  '- [ ] Tests passing',
  '- [ ] Changes documented',
  '- [ ] Commits organized',
  '</review_prep>',
  '## Implementation Timeline',
  '<timeline>',
  'Estimated execution:',
  '- Phase 1: ',
  'Total: ',
  '</timeline>',
  '<metadata>',
  '<confidence>',
  '<dependencies>',
  '</dependencies>',
  '<open_questions>',
  '</open_questions>',
  '<assumptions>',
  '- Haiku model available for all agents',
  '- Tests are deterministic',
  '- Git operations allowed',
  '</assumptions>',
  '</metadata>',
];

describe('renderPlanMarkdown', () => {
  const tasks = [
    mk('TASK-0001'),
    mk('TASK-0002'),
    mk('TASK-0003', { files: ['src/TASK-0001.ts'] }),
    mk('TASK-0004', { risk: 'medium', dependsOn: ['TASK-0002'] }),
    mk('TASK-0005', { risk: 'high' }),
  ];
  const plan = buildPlan(tasks, [{ file: 'tasks/TASK-0009.md', reason: 'front matter has no id' }], {
    repoName: 'demo',
    testCommand: 'npm test',
    sequentialRisk: 'high',
    maxParallel: 4,
  });
  const md = renderPlanMarkdown(plan, { runId: 'r1' });

  it('follows the Output Specification: every heading and tag, in order', () => {
    let at = 0;
    for (const piece of STRUCTURE) {
      const found = md.indexOf(piece, at);
      if (found < 0) throw new Error(`missing or out of order: ${piece}`);
      at = found + piece.length;
    }
  });

  it('lists each task exactly once under parallel or sequential', () => {
    const phases = md.slice(md.indexOf('## Execution Phases'), md.indexOf('## Agent Coordination'));
    for (const t of tasks) expect(phases.split(`- ${t.id}: `).length - 1).toBe(1);
  });

  it('fills metadata from the backlog: skipped files, dependencies, confidence', () => {
    expect(md).toContain('tasks/TASK-0009.md: front matter has no id');
    expect(md).toContain('- TASK-0004 after TASK-0002');
    expect(md).toMatch(/<confidence>(high|medium|low)<\/confidence>/);
    expect(md).toContain('refs/flotilla/r1/backup');
  });
});
