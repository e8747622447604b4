import { batchLabel, batchLetter, phaseName } from './batch-names';
import { colourPhase, phaseLowerBound } from './colour-phase';
import { checkDependencies } from './dependencies';
import { estimateMinutes } from './estimate';
import { moduleOf } from './paths';
import { segmentsOf } from './segments';
import {
  type Batch,
  type Conflict,
  type Phase,
  type Plan,
  type PlanOptions,
  type PlannedTask,
  RISK_RANK,
  RISKS,
  type Task,
  type TaskProblem,
} from './types';

export function touchedFiles(task: Task): string[] {
  return [...new Set([...task.files, ...task.changes.map((c) => c.path)])].sort();
}

function plannedTask(task: Task): PlannedTask {
  const touches = touchedFiles(task);
  const modules = touches.map(moduleOf);
  return {
    id: task.id,
    title: task.title,
    category: task.category,
    risk: task.risk,
    touches,
    ...(task.tests ? { tests: task.tests } : {}),
    dependsOn: task.dependsOn,
    sourcePath: task.sourcePath,
    module: modules.length ? mostCommon(modules) : '(unknown)',
    estimateMinutes: estimateMinutes(task, touches),
  };
}

function mostCommon(xs: string[]): string {
  const counts = new Map<string, number>();
  for (const x of xs) counts.set(x, (counts.get(x) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0][0];
}

/** Longest chain of dependencies below each task (0 for a task with none). Tasks must be acyclic. */
function dependencyDepth(tasks: PlannedTask[]): Map<string, number> {
  const byId = new Map(tasks.map((t) => [t.id, t]));
  const depth = new Map<string, number>();
  const visit = (root: string) => {
    const stack: string[] = [root];
    while (stack.length) {
      const id = stack[stack.length - 1];
      const pending = byId.get(id)!.dependsOn.filter((d) => !depth.has(d));
      if (pending.length) {
        stack.push(...pending);
        continue;
      }
      stack.pop();
      if (!depth.has(id)) depth.set(id, Math.max(-1, ...byId.get(id)!.dependsOn.map((d) => depth.get(d)!)) + 1);
    }
  };
  for (const t of tasks) visit(t.id);
  return depth;
}

/** Phase per task: its risk's phase, pushed later by any dependency in a later phase. */
function phaseIndex(tasks: PlannedTask[], depth: Map<string, number>): Map<string, number> {
  const byId = new Map(tasks.map((t) => [t.id, t]));
  const phase = new Map<string, number>();
  for (const t of [...tasks].sort((a, b) => depth.get(a.id)! - depth.get(b.id)!)) {
    phase.set(
      t.id,
      Math.max(RISK_RANK[t.risk], ...t.dependsOn.map((d) => phase.get(d) ?? RISK_RANK[byId.get(d)!.risk])),
    );
  }
  return phase;
}

function conflictsOf(tasks: PlannedTask[]): Conflict[] {
  const byFile = new Map<string, string[]>();
  for (const t of tasks) for (const f of t.touches) byFile.set(f, [...(byFile.get(f) ?? []), t.id]);
  return [...byFile.entries()]
    .filter(([, ids]) => ids.length > 1)
    .map(([file, ids]) => ({ file, tasks: ids.sort() }))
    .sort((a, b) => a.file.localeCompare(b.file));
}

function batchMinutes(batch: Batch, tasks: Record<string, PlannedTask>, maxParallel: number): number {
  const mins = batch.taskIds.map((id) => tasks[id].estimateMinutes);
  if (batch.mode === 'sequential') return mins.reduce((a, b) => a + b, 0);
  return Math.ceil(mins.length / Math.max(1, maxParallel)) * Math.max(...mins);
}

export function phaseMinutes(phase: Phase, plan: Pick<Plan, 'tasks' | 'maxParallel'>): number {
  return phase.batches.reduce((n, b) => n + batchMinutes(b, plan.tasks, plan.maxParallel), 0);
}

/**
 * Tasks whose Change blocks edit (SEARCH in) a file the repository does not have and that no block creates:
 * that change cannot apply. A declared file that does not exist yet is not a problem: the task creates it.
 */
function missingFiles(tasks: Task[], existing: ReadonlySet<string> | undefined): TaskProblem[] {
  if (!existing) return [];
  const problems: TaskProblem[] = [];
  for (const t of tasks) {
    const created = new Set(t.changes.filter((c) => !c.search).map((c) => c.path));
    const missing = t.changes
      .filter((c) => c.search)
      .map((c) => c.path)
      .filter((f) => !existing.has(f) && !created.has(f));
    if (missing.length)
      problems.push({
        file: t.sourcePath,
        id: t.id,
        reason: `changes ${[...new Set(missing)].join(', ')}, which the repository does not have (a Change block that creates a file has an empty SEARCH)`,
      });
  }
  return problems;
}

/** The files a task names that the repository does not have yet: it creates them. */
function newFiles(t: PlannedTask, existing: ReadonlySet<string> | undefined): string[] {
  return existing ? t.touches.filter((f) => !existing.has(f)) : [];
}

/** Tasks per batch at most (independent tasks beyond it go to further batches). */
export const MAX_BATCH_TASKS = 500;

export function buildPlan(parsed: Task[], unparsable: TaskProblem[], options: PlanOptions): Plan {
  const missing = missingFiles(parsed, options.existingFiles);
  const usable = parsed.filter((t) => !missing.some((m) => m.id === t.id));
  const { ready, problems } = checkDependencies(usable, [...unparsable, ...missing]);
  const planned = ready.map(plannedTask).map((t) => {
    const creates = newFiles(t, options.existingFiles);
    return creates.length ? { ...t, creates } : t;
  });
  const depth = dependencyDepth(planned);
  const phaseOf = phaseIndex(planned, depth);
  const seqFrom = options.sequentialRisk === 'none' ? 99 : RISK_RANK[options.sequentialRisk];
  const tasks: Record<string, PlannedTask> = {};
  for (const t of planned) tasks[t.id] = t;

  const phases: Phase[] = [];
  const seenRisk = new Set<string>();
  for (let p = 0; p < RISKS.length; p++) {
    const members = planned.filter((t) => phaseOf.get(t.id) === p);
    if (!members.length) continue;
    const risk = RISKS[p];
    const number = phases.length + 1;
    const sequential = p >= seqFrom;
    // A batch is one child workflow with a child per task: cap its width to stay far from Temporal's limits.
    const groups = colourPhase(members, sequential, options.maxBatchTasks ?? MAX_BATCH_TASKS, options.maxParallel);
    phases.push({
      number,
      name: phaseName(risk, !seenRisk.has(risk)),
      risk,
      lowerBound: phaseLowerBound(members, sequential, options.maxBatchTasks ?? MAX_BATCH_TASKS),
      ...(sequential ? { sequentialByRisk: true } : {}),
      batches: groups.map((g, i) => ({
        id: `${number}${batchLetter(i)}`,
        phase: number,
        mode: g.length > 1 ? 'parallel' : 'sequential',
        label: batchLabel(
          g.map((t) => t.category),
          g.map((t) => t.module),
        ),
        taskIds: g.map((t) => t.id).sort(),
      })),
    });
    seenRisk.add(risk);
  }
  const plan: Plan = {
    version: 1,
    repoName: options.repoName,
    tasks,
    phases,
    skipped: [...unparsable, ...missing, ...problems].sort((a, b) => a.file.localeCompare(b.file)),
    conflicts: conflictsOf(planned),
    segments: segmentsOf(phases, options.segmentTasks),
    testCommand: options.testCommand,
    maxParallel: options.maxParallel,
    totalEstimateMinutes: 0,
  };
  plan.totalEstimateMinutes = phases.reduce((n, p) => n + phaseMinutes(p, plan), 0);
  return plan;
}
