import fc from 'fast-check';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomBacklog } from '../../bench/random-backlog';
import {
  buildPlan,
  criticalPath,
  explainTask,
  parseTaskFiles,
  type Plan,
  type PlanOptions,
  renderPlanMarkdown,
  type Risk,
} from '../../planner';
import { plannerTask } from '../helpers/planner-task';

const OPTIONS: PlanOptions = { repoName: 'r', testCommand: 'npm test', sequentialRisk: 'high', maxParallel: 4 };
const RANK: Record<Risk, number> = { low: 0, medium: 1, high: 2 };

const mk = plannerTask;

/** Position of every task: [phase index, batch index in phase]. */
function positions(plan: Plan): Map<string, [number, number]> {
  const pos = new Map<string, [number, number]>();
  plan.phases.forEach((p, pi) => p.batches.forEach((b, bi) => b.taskIds.forEach((id) => pos.set(id, [pi, bi]))));
  return pos;
}

const before = (a: [number, number], b: [number, number]) => a[0] < b[0] || (a[0] === b[0] && a[1] < b[1]);

const backlog = fc
  .record({
    n: fc.integer({ min: 1, max: 40 }),
    files: fc.integer({ min: 1, max: 12 }),
    seed: fc.array(
      fc.tuple(
        fc.array(fc.nat(), { maxLength: 3 }),
        fc.constantFrom<Risk>('low', 'medium', 'high'),
        fc.array(fc.nat(), { maxLength: 2 }),
        fc.constantFrom('docs', 'types', 'lint'),
      ),
      { minLength: 40, maxLength: 40 },
    ),
  })
  .map(({ n, files, seed }) =>
    Array.from({ length: n }, (_, i) => {
      const [fileIdx, risk, depIdx, category] = seed[i];
      const id = `TASK-${String(i + 1).padStart(4, '0')}`;
      const deps = i === 0 ? [] : [...new Set(depIdx.map((d) => `TASK-${String((d % i) + 1).padStart(4, '0')}`))];
      return mk(id, {
        risk,
        category,
        files: [...new Set(fileIdx.map((f) => `src/f${f % files}.ts`))],
        dependsOn: deps,
      });
    }),
  );

describe('buildPlan invariants (random backlogs)', () => {
  it('places every task exactly once, never two tasks sharing a file in a batch, dependencies first, risk ordered', () => {
    fc.assert(
      fc.property(backlog, (tasks) => {
        const plan = buildPlan(tasks, [], OPTIONS);
        const placed = plan.phases.flatMap((p) => p.batches.flatMap((b) => b.taskIds));
        expect(placed.sort()).toEqual(tasks.map((t) => t.id).sort());
        const pos = positions(plan);
        const byId = new Map(tasks.map((t) => [t.id, t]));
        plan.phases.forEach((phase, pi) => {
          if (pi > 0) expect(RANK[phase.risk]).toBeGreaterThanOrEqual(RANK[plan.phases[pi - 1].risk]);
          for (const b of phase.batches) {
            const seen = new Set<string>();
            for (const id of b.taskIds) {
              const t = byId.get(id)!;
              expect(RANK[t.risk]).toBeLessThanOrEqual(RANK[phase.risk]);
              if (t.risk === 'high' || t.files.length === 0) expect(b.taskIds).toHaveLength(1);
              for (const f of t.files) {
                expect(seen.has(f)).toBe(false);
                seen.add(f);
              }
            }
            expect(b.mode).toBe(b.taskIds.length > 1 ? 'parallel' : 'sequential');
          }
        });
        for (const t of tasks) for (const d of t.dependsOn) expect(before(pos.get(d)!, pos.get(t.id)!)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });
});

describe('buildPlan', () => {
  it('puts low risk first and runs high risk one at a time', () => {
    const plan = buildPlan(
      [mk('A', { risk: 'high' }), mk('B'), mk('C', { risk: 'high' }), mk('D', { risk: 'medium' })],
      [],
      OPTIONS,
    );
    expect(plan.phases.map((p) => p.risk)).toEqual(['low', 'medium', 'high']);
    expect(plan.phases[2].batches.map((b) => b.taskIds)).toEqual([['A'], ['C']]);
  });

  it('separates tasks that share a file and records the conflict', () => {
    const plan = buildPlan(
      [mk('A', { files: ['src/x.ts'] }), mk('B', { files: ['src/x.ts', 'src/y.ts'] }), mk('C')],
      [],
      OPTIONS,
    );
    expect(plan.phases[0].batches).toHaveLength(2);
    expect(plan.conflicts).toEqual([{ file: 'src/x.ts', tasks: ['A', 'B'] }]);
  });

  it('counts Change block paths as touched files', () => {
    const plan = buildPlan(
      [
        mk('A', { files: [], changes: [{ path: 'src/x.ts', search: 'a', replace: 'b' }] }),
        mk('B', { files: ['src/x.ts'] }),
      ],
      [],
      OPTIONS,
    );
    expect(plan.phases[0].batches).toHaveLength(2);
  });

  it('skips a dependency cycle, naming its tasks, and plans the rest', () => {
    const plan = buildPlan([mk('A', { dependsOn: ['B'] }), mk('B', { dependsOn: ['A'] }), mk('C')], [], OPTIONS);
    expect(Object.keys(plan.tasks)).toEqual(['C']);
    expect(plan.skipped.map((s) => s.reason)).toEqual(['dependency cycle: A → B → A', 'dependency cycle: A → B → A']);
  });

  it('skips tasks that depend on unknown or unusable tasks, transitively', () => {
    const plan = buildPlan(
      [mk('A', { dependsOn: ['NOPE'] }), mk('B', { dependsOn: ['A'] }), mk('C', { dependsOn: ['BAD'] })],
      [{ file: 'tasks/BAD.md', id: 'BAD', reason: 'front matter has no title' }],
      OPTIONS,
    );
    expect(Object.keys(plan.tasks)).toEqual([]);
    const reasons = Object.fromEntries(plan.skipped.map((s) => [s.id, s.reason]));
    expect(reasons.A).toBe('depends on unknown task NOPE');
    expect(reasons.B).toContain('depends on A, which cannot run');
    expect(reasons.C).toContain('depends on BAD, which cannot run (front matter has no title)');
  });

  it('runs a task that names no file alone', () => {
    const plan = buildPlan([mk('A', { files: [] }), mk('B'), mk('C')], [], OPTIONS);
    const withA = plan.phases[0].batches.find((b) => b.taskIds.includes('A'))!;
    expect(withA.taskIds).toEqual(['A']);
  });

  it('moves a low-risk task after a high-risk dependency', () => {
    const plan = buildPlan([mk('A', { risk: 'high' }), mk('B', { dependsOn: ['A'] })], [], OPTIONS);
    const pos = positions(plan);
    expect(before(pos.get('A')!, pos.get('B')!)).toBe(true);
  });
});

describe('schedule quality', () => {
  it.each([100, 400, 2000])(
    'uses at most 10%% more batches than the lower bound on a random backlog of %i tasks',
    (n) => {
      for (const seed of [1, 2, 3]) {
        const plan = buildPlan(randomBacklog(n, undefined, seed), [], OPTIONS);
        for (const phase of plan.phases) {
          expect(phase.batches.length).toBeGreaterThanOrEqual(phase.lowerBound);
          expect(phase.batches.length).toBeLessThanOrEqual(Math.ceil(phase.lowerBound * 1.1));
        }
      }
    },
  );

  it('puts the demo backlog at the lower bound in every parallel phase', () => {
    const dir = path.join(__dirname, '../../examples/demo-repo/tasks');
    const files = fs
      .readdirSync(dir)
      .map((f: string) => ({ path: `tasks/${f}`, text: fs.readFileSync(path.join(dir, f), 'utf8') }));
    const { tasks, problems } = parseTaskFiles(files);
    const plan = buildPlan(tasks, problems, OPTIONS);
    for (const phase of plan.phases.filter((p) => p.risk !== 'high'))
      expect(phase.batches).toHaveLength(phase.lowerBound);
  });
});

describe('explainTask', () => {
  it('names the conflicts, where they sit, and the dependencies', () => {
    const plan = buildPlan(
      [mk('A', { files: ['src/x.ts'] }), mk('B', { files: ['src/x.ts'], dependsOn: ['A'] })],
      [{ file: 'tasks/C.md', id: 'C', reason: 'front matter has no title' }],
      OPTIONS,
    );
    const lines = explainTask(plan, 'B').join('\n');
    expect(lines).toContain('batch 1B');
    expect(lines).toContain('conflicts on src/x.ts: A (1A)');
    expect(lines).toContain('depends on: A (1A)');
    expect(explainTask(plan, 'C')).toEqual(['C is not in the plan: tasks/C.md: front matter has no title']);
    expect(() => explainTask(plan, 'Z')).toThrow('Z is not a task of this backlog');
    expect(lines).not.toContain('segment');
    const cut = buildPlan([mk('A', { files: ['src/x.ts'] }), mk('B', { files: ['src/x.ts'], dependsOn: ['A'] })], [], {
      ...OPTIONS,
      segmentTasks: 1,
    });
    expect(explainTask(cut, 'B')).toContain(
      '  runs in segment 2 of 2 (the run workflow continues-as-new between segments)',
    );
  });
});

describe('criticalPath', () => {
  it('follows the dependency chain with the most estimated minutes', () => {
    const plan = buildPlan(
      [
        mk('A', { risk: 'high' }),
        mk('B', { dependsOn: ['A'] }),
        mk('C'),
        mk('D', { dependsOn: ['C'] }),
        mk('E', { dependsOn: ['B', 'D'] }),
      ],
      [],
      OPTIONS,
    );
    const cp = criticalPath(plan);
    expect(cp.taskIds).toEqual(['A', 'B', 'E']);
    expect(cp.minutes).toBe(plan.tasks.A.estimateMinutes + plan.tasks.B.estimateMinutes + plan.tasks.E.estimateMinutes);
  });
});

describe('declared files', () => {
  it('plans a task that declares a file the repository does not have as one that creates it, and conflicts on it', () => {
    const existingFiles = new Set(['src/A.ts']);
    const plan = buildPlan(
      [mk('A'), mk('B'), mk('B2', { files: ['src/B.ts'] }), mk('D', { dependsOn: ['B'], files: ['src/A.ts'] })],
      [],
      { ...OPTIONS, existingFiles },
    );
    expect(Object.keys(plan.tasks).sort()).toEqual(['A', 'B', 'B2', 'D']);
    expect(plan.tasks.B.creates).toEqual(['src/B.ts']);
    expect(plan.tasks.A.creates).toBeUndefined();
    // Two tasks creating the same file never share a batch.
    const batchOf = (id: string) => plan.phases.flatMap((p) => p.batches).find((b) => b.taskIds.includes(id))!.id;
    expect(batchOf('B')).not.toBe(batchOf('B2'));
    expect(renderPlanMarkdown(plan, { runId: 'r', model: 'm' })).toContain('src/B.ts (new)');
  });

  it('skips a task whose Change block edits a file the repository does not have, unless a block creates it', () => {
    const existingFiles = new Set(['src/A.ts']);
    const plan = buildPlan(
      [
        mk('A'),
        mk('B', { changes: [{ path: 'src/gone.ts', search: 'x', replace: 'y' }] }),
        mk('C', { files: ['src/new.ts'], changes: [{ path: 'src/new.ts', search: '', replace: 'x\n' }] }),
        mk('D', { dependsOn: ['B'], files: ['src/A.ts'] }),
      ],
      [],
      { ...OPTIONS, existingFiles },
    );
    expect(Object.keys(plan.tasks).sort()).toEqual(['A', 'C']);
    const reasons = Object.fromEntries(plan.skipped.map((s) => [s.id, s.reason]));
    expect(reasons.B).toContain('changes src/gone.ts, which the repository does not have');
    expect(reasons.D).toContain('depends on B, which cannot run (changes src/gone.ts');
  });
});

describe('wide batches', () => {
  it('splits a batch wider than maxBatchTasks into consecutive batches', () => {
    const plan = buildPlan(
      Array.from({ length: 7 }, (_, i) => mk(`T${i}`)),
      [],
      { ...OPTIONS, maxBatchTasks: 3 },
    );
    expect(plan.phases[0].batches.map((b) => b.taskIds.length)).toEqual([3, 3, 1]);
    expect(plan.phases[0].batches.map((b) => b.id)).toEqual(['1A', '1B', '1C']);
  });
});
