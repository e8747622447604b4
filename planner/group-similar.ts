import { type PlannedTask } from './types';

/** Pairs a swap pass may look at in all, so grouping stays near-linear on very large backlogs. */
const SWAP_BUDGET = 100_000;

/**
 * After colouring, moves tasks between batches, then swaps pairs of tasks, so each batch holds fewer modules and
 * fewer kinds of change (a reviewer reads one area and one kind of change at a time), without adding a batch,
 * putting two tasks on one file together, breaking a dependency order, or lengthening the phase's estimated
 * makespan (`maxParallel` agents at once; the batch's waves times its longest task): among schedules of the same
 * length, the more grouped one. Tasks in one-task "alone" batches stay. Local search, a few passes.
 */
export function groupSimilar(
  batches: PlannedTask[][],
  exclusive: boolean[],
  maxBatch = Infinity,
  maxParallel = Infinity,
): PlannedTask[][] {
  const groups = batches.map((b) => [...b]);
  const batchOf = new Map<string, number>();
  groups.forEach((g, b) => g.forEach((t) => batchOf.set(t.id, b)));
  const dependents = new Map<string, string[]>();
  for (const g of groups)
    for (const t of g) for (const d of t.dependsOn) dependents.set(d, [...(dependents.get(d) ?? []), t.id]);
  const files = groups.map((g) => {
    const m = new Map<string, number>();
    for (const t of g) for (const f of t.touches) m.set(f, (m.get(f) ?? 0) + 1);
    return m;
  });
  const tally = (key: (t: PlannedTask) => string) =>
    groups.map((g) => {
      const m = new Map<string, number>();
      for (const t of g) m.set(key(t), (m.get(key(t)) ?? 0) + 1);
      return m;
    });
  const modules = tally((t) => t.module);
  const kinds = tally((t) => t.category);
  // How much a task "belongs" in a batch: others of its module and of its kind already there.
  const affinity = (t: PlannedTask, b: number, self: number) =>
    (modules[b].get(t.module) ?? 0) - self + (kinds[b].get(t.category) ?? 0) - self;
  // The batches a task may sit in: after its dependencies' batches, before its dependents'.
  const range = (t: PlannedTask) => {
    let lo = 0;
    for (const d of t.dependsOn) lo = Math.max(lo, (batchOf.get(d) ?? -1) + 1);
    let hi = groups.length;
    for (const d of dependents.get(t.id) ?? []) hi = Math.min(hi, batchOf.get(d) ?? groups.length);
    return { lo, hi };
  };
  // Each batch's task estimates (minutes → how many tasks), for its makespan without rescanning its tasks.
  const estimates = tally((t) => String(t.estimateMinutes));
  const longest = (b: number, out?: PlannedTask, into?: PlannedTask) => {
    let max = into ? into.estimateMinutes : 0;
    for (const [e, n] of estimates[b])
      if (n - (out && String(out.estimateMinutes) === e ? 1 : 0) > 0) max = Math.max(max, Number(e));
    return max;
  };
  // A batch's estimated minutes, as the plan counts them, with `out` taken out and `into` put in.
  const minutes = (b: number, out?: PlannedTask, into?: PlannedTask) => {
    const size = groups[b].length - (out ? 1 : 0) + (into ? 1 : 0);
    return size ? Math.ceil(size / maxParallel) * longest(b, out, into) : 0;
  };
  const noLonger = (from: number, to: number, t: PlannedTask, u?: PlannedTask) =>
    minutes(from, t, u) + minutes(to, u, t) <= minutes(from) + minutes(to);
  // Whether t's files are free in batch b once `leaving` (if any) has left it.
  const filesFree = (t: PlannedTask, b: number, leaving?: PlannedTask) =>
    t.touches.every((f) => (files[b].get(f) ?? 0) - (leaving?.touches.includes(f) ? 1 : 0) === 0);

  const place = (t: PlannedTask, from: number, to: number) => {
    groups[from].splice(groups[from].indexOf(t), 1);
    groups[to].push(t);
    batchOf.set(t.id, to);
    for (const f of t.touches) {
      const left = files[from].get(f)! - 1;
      if (left) files[from].set(f, left);
      else files[from].delete(f);
      files[to].set(f, (files[to].get(f) ?? 0) + 1);
    }
    for (const [tallies, key] of [
      [modules, t.module],
      [kinds, t.category],
      [estimates, String(t.estimateMinutes)],
    ] as const) {
      tallies[from].set(key, tallies[from].get(key)! - 1);
      tallies[to].set(key, (tallies[to].get(key) ?? 0) + 1);
    }
  };

  for (let pass = 0; pass < 3; pass++) {
    let moved = false;
    for (let from = 0; from < groups.length; from++) {
      if (exclusive[from]) continue;
      for (const t of [...groups[from]]) {
        if (groups[from].length === 1) continue; // never empty a batch
        const { lo, hi } = range(t);
        const here = affinity(t, from, 1);
        const better: Array<{ to: number; score: number }> = [];
        for (let to = lo; to < hi; to++) {
          if (to === from || exclusive[to] || groups[to].length >= maxBatch || !filesFree(t, to)) continue;
          const score = affinity(t, to, 0);
          if (score > here) better.push({ to, score });
        }
        better.sort((a, b) => b.score - a.score || a.to - b.to);
        const best = better.find((c) => noLonger(from, c.to, t));
        if (!best) continue;
        place(t, from, best.to);
        moved = true;
      }
    }
    if (!moved) break;
  }

  const same = (a: string, b: string) => (a === b ? 1 : 0);
  // Swaps: two tasks trade batches when both batches end up more alike (batch sizes, so waves, do not change).
  let budget = SWAP_BUDGET;
  for (let pass = 0; pass < 2 && budget > 0; pass++) {
    let swapped = false;
    for (let from = 0; from < groups.length && budget > 0; from++) {
      if (exclusive[from]) continue;
      for (const t of [...groups[from]]) {
        const { lo, hi } = range(t);
        const here = affinity(t, from, 1);
        let done = false;
        for (let to = lo; to < hi && !done && budget > 0; to++) {
          if (to === from || exclusive[to] || affinity(t, to, 0) <= here) continue;
          for (const u of groups[to]) {
            if (--budget <= 0) break;
            const gainT = affinity(t, to, 0) - same(u.module, t.module) - same(u.category, t.category) - here;
            const gainU =
              affinity(u, from, 0) - same(t.module, u.module) - same(t.category, u.category) - affinity(u, to, 1);
            if (gainT + gainU <= 0) continue;
            const ru = range(u);
            if (
              from < ru.lo ||
              from >= ru.hi ||
              !filesFree(t, to, u) ||
              !filesFree(u, from, t) ||
              !noLonger(from, to, t, u)
            )
              continue;
            place(t, from, to);
            place(u, to, from);
            swapped = done = true;
            break;
          }
        }
      }
    }
    if (!swapped) break;
  }
  return groups;
}
