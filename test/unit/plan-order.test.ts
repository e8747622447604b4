// The plan read top to bottom, as a person follows it, against the order the run's workflows take: thousands of
// generated backlogs (seeded), every listing of the plan checked against the workflow's own ordering function.
import { rng } from '../../bench/random-backlog';
import { segmentPieces } from '../../core/run-state';
import { buildPlan, type Plan, renderPlanMarkdown, type Risk, type Task } from '../../planner';
import { plannerTask } from '../helpers/planner-task';

const RISKS: Risk[] = ['low', 'medium', 'high'];

/** A backlog with hot files, tasks naming no file, dependencies on earlier tasks, every risk; options to match. */
function generated(seed: number): { tasks: Task[]; plan: Plan } {
  const r = rng(seed);
  const int = (n: number) => Math.floor(r() * n);
  const n = 1 + int(30);
  const files = 1 + int(Math.max(2, n / 2));
  const tasks: Task[] = Array.from({ length: n }, (_, i) => {
    const id = `TASK-${String(i + 1).padStart(4, '0')}`;
    const count = r() < 0.1 ? 0 : 1 + int(3);
    const touched = new Set<string>();
    for (let k = 0; k < count; k++) touched.add(`src/m${int(4)}/f${int(files) * int(2)}.ts`);
    const deps = new Set<string>();
    if (i > 0 && r() < 0.25) deps.add(`TASK-${String(1 + int(i)).padStart(4, '0')}`);
    if (i > 1 && r() < 0.1) deps.add(`TASK-${String(1 + int(i)).padStart(4, '0')}`);
    return {
      id,
      title: `Task ${i + 1}`,
      category: ['docs', 'types', 'lint'][int(3)],
      risk: RISKS[int(3)],
      files: [...touched],
      dependsOn: [...deps],
      description: '',
      changes: [],
      sourcePath: `tasks/${id}.md`,
    };
  });
  const plan = buildPlan(tasks, [], {
    repoName: 'gen',
    testCommand: 'npm test',
    sequentialRisk: (['high', 'medium', 'none'] as const)[int(3)],
    maxParallel: 1 + int(6),
    maxBatchTasks: 2 + int(8),
    segmentTasks: 1 + int(12),
  });
  return { tasks, plan };
}

/** The task ids in the order the run executes them, from the function the run workflow itself uses (segment by segment). */
function workflowOrder(plan: Plan): { tasks: string[]; steps: string[] } {
  const outline = { ...plan, taskCount: Object.keys(plan.tasks).length };
  const tasks: string[] = [];
  const steps: string[] = [];
  for (let s = 0; s < plan.segments.length; s++) {
    for (const { phase } of segmentPieces(outline, s)) {
      for (const b of phase.batches) {
        steps.push(b.id);
        tasks.push(...b.taskIds);
      }
    }
  }
  return { tasks, steps };
}

const between = (md: string, from: string, to: string) => md.slice(md.indexOf(from), md.indexOf(to));
const ids = (text: string, re: RegExp) => [...text.matchAll(re)].map((m) => m[1]);

/** Pairs (earlier, later) the plan must never list later-first: a dependency, or two tasks on one file in different steps. */
function mustPrecede(plan: Plan): Array<[string, string]> {
  const order = workflowOrder(plan).tasks;
  const at = new Map(order.map((id, i) => [id, i]));
  const stepOf = new Map(
    plan.phases.flatMap((p) => p.batches.flatMap((b) => b.taskIds.map((id) => [id, b.id] as const))),
  );
  const pairs: Array<[string, string]> = [];
  for (const t of Object.values(plan.tasks)) for (const d of t.dependsOn) pairs.push([d, t.id]);
  for (const c of plan.conflicts) {
    for (const a of c.tasks)
      for (const b of c.tasks) if (stepOf.get(a) !== stepOf.get(b) && at.get(a)! < at.get(b)!) pairs.push([a, b]);
  }
  return pairs;
}

function checkPlan(seed: number): void {
  const { plan } = generated(seed);
  checkText(plan, renderPlanMarkdown(plan, { model: 'claude-sonnet-4-5' }), `seed ${seed}`);
}

/** Throws (a failed expectation) where `md`, read top to bottom, departs from how the run executes `plan`. */
function checkText(plan: Plan, md: string, context: string): void {
  const order = workflowOrder(plan);

  // The phases: every step heading and every task line, in the workflow's order.
  const phases = between(md, '## Execution Phases', '## Agent Coordination');
  expect({ context, steps: ids(phases, /^(?:Parallel Batch|Sequential Step) (\w+) /gm) }).toEqual({
    context,
    steps: order.steps,
  });
  const listed = ids(phases, /^- (TASK-\d+): /gm);
  expect({ context, listed }).toEqual({ context, listed: order.tasks });
  const pos = new Map(listed.map((id, i) => [id, i]));
  for (const [a, b] of mustPrecede(plan))
    if (pos.get(a)! > pos.get(b)!) throw new Error(`${context}: ${b} is listed before ${a}, which it must follow`);

  // Every dependency is visible on its task's line, naming tasks already listed.
  for (const line of phases.split('\n').filter((l) => /^- TASK-\d+: /.test(l))) {
    const id = line.slice(2, line.indexOf(':'));
    const deps = plan.tasks[id].dependsOn;
    if (deps.length) expect(line).toContain(`(after ${deps.join(', ')})`);
    for (const d of deps) expect(pos.get(d)!).toBeLessThan(pos.get(id)!);
  }

  // "Sequential (File conflicts)": exactly the tasks that share a file with an earlier step of their phase, each after it.
  const phaseOf = new Map(
    plan.phases.flatMap((p) => p.batches.flatMap((b) => b.taskIds.map((id) => [id, p.number] as const))),
  );
  const expected = new Set(
    plan.conflicts.flatMap((c) =>
      c.tasks.filter((b) => c.tasks.some((a) => phaseOf.get(a) === phaseOf.get(b) && pos.get(a)! < pos.get(b)!)),
    ),
  );
  const said = [...phases.matchAll(/^- (TASK-\d+) \((\w+)\) after (.+)$/gm)];
  expect({ context, conflicting: said.map((m) => m[1]).sort() }).toEqual({
    context,
    conflicting: [...expected].sort(),
  });
  for (const [, later, , rest] of said) {
    for (const [, earlier, files] of rest.matchAll(/(TASK-\d+) \(\w+\): ([^;]+)/g)) {
      expect(pos.get(earlier)!).toBeLessThan(pos.get(later)!);
      for (const f of files.split(', '))
        expect(plan.conflicts.find((c) => c.file === f)?.tasks).toEqual(expect.arrayContaining([earlier, later]));
    }
  }

  // The commands: every step in the workflow's order; the one-task steps again, in order, in <sequential_commands>.
  const parallel = between(md, '\n<parallel_commands>\n', '\n</parallel_commands>');
  const commandOrder = ids(parallel, /(?:^# Step \w+ - one task alone \(|prompt="Execute )(TASK-\d+)/gm);
  expect({ context, commandOrder }).toEqual({ context, commandOrder: order.tasks });
  const sequential = between(md, '\n<sequential_commands>\n', '\n</sequential_commands>');
  const alone = new Set(
    plan.phases.flatMap((p) => p.batches.filter((b) => b.mode === 'sequential').flatMap((b) => b.taskIds)),
  );
  expect({ context, sequential: ids(sequential, /prompt="Execute (TASK-\d+)/g) }).toEqual({
    context,
    sequential: order.tasks.filter((id) => alone.has(id)),
  });
}

describe('the plan reads in execution order (generated backlogs)', () => {
  it('lists steps and tasks as the workflow runs them, never a task before one it depends on or conflicts with and follows', () => {
    for (let seed = 1; seed <= 2000; seed++) checkPlan(seed);
  });

  it("the issue's case reads in order: the task that runs alone first, then its dependents", () => {
    // TASK-0001 names no file (it runs alone, first); TASK-0002 and TASK-0003 depend on it.
    const mk = plannerTask;
    const plan = buildPlan(
      [
        mk('TASK-0001', { files: [] }),
        mk('TASK-0002', { dependsOn: ['TASK-0001'] }),
        mk('TASK-0003', { dependsOn: ['TASK-0001'] }),
      ],
      [],
      { repoName: 'r', testCommand: 't', sequentialRisk: 'high', maxParallel: 4 },
    );
    const md = renderPlanMarkdown(plan);
    const phases = between(md, '## Execution Phases', '## Agent Coordination');
    expect(ids(phases, /^- (TASK-\d+): /gm)).toEqual(['TASK-0001', 'TASK-0002', 'TASK-0003']);
    expect(phases).toMatch(
      /Sequential Step 1A \(one task, names no file[^\n]*\n- TASK-0001: [^\n]*\n\nParallel Batch 1B/,
    );
    expect(phases).toContain('- TASK-0002: TASK-0002 - Agent: claude-haiku-4-5 (after TASK-0001)');
    checkText(plan, md, 'the issue');
  });

  it('the check fails on a plan printed in another order than the run takes', () => {
    let failed = 0;
    for (let seed = 1; seed <= 200; seed++) {
      const { plan } = generated(seed);
      if (plan.phases.every((p) => p.batches.length < 2)) continue;
      const printed = { ...plan, phases: plan.phases.map((p) => ({ ...p, batches: [...p.batches].reverse() })) };
      expect(() => checkText(plan, renderPlanMarkdown(printed), `seed ${seed}`)).toThrow();
      failed++;
    }
    expect(failed).toBeGreaterThan(50);
  });
});
