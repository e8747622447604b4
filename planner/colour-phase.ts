import { groupSimilar } from './group-similar';
import { Heap } from './heap';
import { type PlannedTask } from './types';

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Splits one phase's tasks into batches with DSatur (most-constrained task first, smallest batch that
 * fits): no two tasks in a batch share a file; a task comes after every dependency in the phase; a task
 * that names no file, or any task of a sequential phase, runs alone. Conflicts are indexed by file, so
 * the work is linear in the input for backlogs without hot files.
 */
export function colourPhase(
  tasks: PlannedTask[],
  sequential: boolean,
  maxBatch = Infinity,
  maxParallel = Infinity,
): PlannedTask[][] {
  const n = tasks.length;
  const index = new Map(tasks.map((t, i) => [t.id, i]));
  const users = new Map<string, number[]>();
  tasks.forEach((t, i) =>
    t.touches.forEach((f) => {
      const list = users.get(f);
      if (list) list.push(i);
      else users.set(f, [i]);
    }),
  );
  const degree = tasks.map((t) => t.touches.reduce((d, f) => d + users.get(f)!.length - 1, 0));
  const deps = tasks.map((t) => t.dependsOn.map((d) => index.get(d)).filter((d): d is number => d !== undefined));
  const dependents: number[][] = tasks.map(() => []);
  const waiting = deps.map((d) => d.length);
  deps.forEach((ds, i) => ds.forEach((d) => dependents[d].push(i)));

  const saturation: Set<number>[] = tasks.map(() => new Set());
  const batchOf = new Array<number>(n).fill(-1);
  const batches: number[][] = [];
  const batchFiles: Set<string>[] = [];
  const alone: boolean[] = [];

  type Entry = { i: number; sat: number };
  // Most saturated first, then most conflicts, then by category and module so similar tasks are placed together.
  const compare = (a: Entry, b: Entry): number =>
    b.sat - a.sat ||
    degree[b.i] - degree[a.i] ||
    cmp(tasks[a.i].category, tasks[b.i].category) ||
    cmp(tasks[a.i].module, tasks[b.i].module) ||
    cmp(tasks[a.i].id, tasks[b.i].id);
  const heap = new Heap<Entry>((a, b) => compare(a, b) < 0);
  for (let i = 0; i < n; i++) if (!waiting[i]) heap.push({ i, sat: 0 });

  for (let placed = 0; placed < n; placed++) {
    let e = heap.pop();
    while (e && (batchOf[e.i] >= 0 || e.sat !== saturation[e.i].size)) e = heap.pop();
    if (!e) throw new Error('planner: dependencies inside a phase form a cycle');
    const i = e.i;
    const t = tasks[i];
    const after = deps[i].reduce((m, d) => Math.max(m, batchOf[d] + 1), 0);
    const runsAlone = sequential || t.touches.length === 0;
    let chosen = -1;
    if (!runsAlone) {
      for (let b = after; b < batches.length && chosen < 0; b++) {
        if (
          !alone[b] &&
          batches[b].length < maxBatch &&
          !saturation[i].has(b) &&
          !t.touches.some((f) => batchFiles[b].has(f))
        )
          chosen = b;
      }
    }
    if (chosen < 0) {
      chosen = batches.length;
      batches.push([]);
      batchFiles.push(new Set());
      alone.push(runsAlone);
    }
    batches[chosen].push(i);
    batchOf[i] = chosen;
    for (const f of t.touches) batchFiles[chosen].add(f);
    for (const f of t.touches) {
      for (const j of users.get(f)!) {
        if (batchOf[j] >= 0 || saturation[j].has(chosen)) continue;
        saturation[j].add(chosen);
        if (!waiting[j]) heap.push({ i: j, sat: saturation[j].size });
      }
    }
    for (const j of dependents[i]) if (--waiting[j] === 0) heap.push({ i: j, sat: saturation[j].size });
  }
  return groupSimilar(
    batches.map((b) => b.map((i) => tasks[i])),
    alone,
    maxBatch,
    maxParallel,
  );
}

/** The fewest batches any schedule of this phase can have: the most tasks on one file, the longest dependency chain, or the task count over the batch cap. */
export function phaseLowerBound(tasks: PlannedTask[], sequential: boolean, maxBatch = Infinity): number {
  if (sequential) return tasks.length;
  const perFile = new Map<string, number>();
  for (const t of tasks) for (const f of t.touches) perFile.set(f, (perFile.get(f) ?? 0) + 1);
  const ids = new Set(tasks.map((t) => t.id));
  const byId = new Map(tasks.map((t) => [t.id, t]));
  const chain = new Map<string, number>();
  const depth = (id: string): number => {
    const stack = [id];
    while (stack.length) {
      const top = stack[stack.length - 1];
      const pending = byId.get(top)!.dependsOn.filter((d) => ids.has(d) && !chain.has(d));
      if (pending.length) {
        stack.push(...pending);
        continue;
      }
      stack.pop();
      chain.set(
        top,
        1 +
          Math.max(
            0,
            ...byId
              .get(top)!
              .dependsOn.filter((d) => ids.has(d))
              .map((d) => chain.get(d)!),
          ),
      );
    }
    return chain.get(id)!;
  };
  const noFile = tasks.filter((t) => !t.touches.length).length;
  const lb = Math.max(1, ...perFile.values(), ...tasks.map((t) => depth(t.id)));
  return Math.min(tasks.length, Math.max(lb + noFile, Math.ceil(tasks.length / maxBatch)));
}
