// `npm run bench`: planning time, batches vs the lower bound, and estimated makespan vs the critical path,
// for the demo backlog and random backlogs of 100, 1,000 and 10,000 tasks. Prints ratios; asserts nothing.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { projectRoot } from '../dev/temporal-cli';
import { buildPlan, criticalPath, parseTaskFiles, type Plan, type Task, type TaskProblem } from '../planner';
import { randomBacklog } from './random-backlog';

/** The least time any schedule needs: the longest dependency chain, or the busiest file, in estimated minutes. */
function criticalPathMinutes(plan: Plan): number {
  const perFile = new Map<string, number>();
  for (const t of Object.values(plan.tasks))
    for (const f of t.touches) perFile.set(f, (perFile.get(f) ?? 0) + t.estimateMinutes);
  return Math.max(criticalPath(plan).minutes, ...perFile.values());
}

function measure(name: string, tasks: Task[], problems: TaskProblem[] = []): void {
  const options = { repoName: name, testCommand: 'npm test', sequentialRisk: 'high' as const, maxParallel: 1_000_000 };
  buildPlan(tasks.slice(0, 50), problems, options); // warm up the JIT
  const runs = tasks.length >= 10_000 ? 3 : 10;
  let plan!: Plan;
  const started = process.hrtime.bigint();
  for (let i = 0; i < runs; i++) plan = buildPlan(tasks, problems, options);
  const ms = Number(process.hrtime.bigint() - started) / 1e6 / runs;
  const parallelPhases = plan.phases.filter((p) => p.risk !== 'high');
  const batches = parallelPhases.reduce((n, p) => n + p.batches.length, 0);
  const bound = parallelPhases.reduce((n, p) => n + p.lowerBound, 0);
  const worst = Math.max(...parallelPhases.map((p) => p.batches.length / p.lowerBound));
  const makespan = plan.totalEstimateMinutes;
  const critical = criticalPathMinutes(plan);
  console.log(
    `${name.padEnd(14)} tasks ${String(tasks.length).padStart(6)}  plan ${ms.toFixed(1).padStart(8)} ms` +
      `  batches/lower-bound ${(batches / bound).toFixed(3)} (${batches}/${bound}, worst phase ${worst.toFixed(3)})` +
      `  makespan/critical-path ${(makespan / critical).toFixed(2)} (${makespan.toFixed(0)}/${critical.toFixed(0)} min, unlimited agents)`,
  );
}

const demoTasks = path.join(projectRoot(), 'examples', 'demo-repo', 'tasks');
const files = fs
  .readdirSync(demoTasks)
  .filter((f) => f.endsWith('.md'))
  .map((f) => ({ path: `tasks/${f}`, text: fs.readFileSync(path.join(demoTasks, f), 'utf8') }));
const demo = parseTaskFiles(files);
console.log('Planner benchmark (high-risk phases are sequential by design and left out of the batch ratio)');
measure('demo backlog', demo.tasks, demo.problems);
for (const n of [100, 1_000, 10_000]) measure(`random ${n}`, randomBacklog(n));
