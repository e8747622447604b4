import { type PlannedTask } from './types';

/**
 * After colouring, moves tasks between batches so each batch holds fewer modules and fewer kinds of
 * change (a reviewer reads one area and one kind of change at a time), without adding a batch, putting
 * two tasks on one file together, or breaking a dependency order. Tasks in one-task "alone" batches stay.
 * Local search, a few passes, each linear in tasks × batches.
 */
export function groupSimilar(batches: PlannedTask[][], exclusive: boolean[], maxBatch = Infinity): PlannedTask[][] {
  const groups = batches.map((b) => [...b]);
  const batchOf = new Map<string, number>();
  groups.forEach((g, b) => g.forEach((t) => batchOf.set(t.id, b)));
  const dependents = new Map<string, string[]>();
  for (const g of groups) for (const t of g) for (const d of t.dependsOn) dependents.set(d, [...(dependents.get(d) ?? []), t.id]);
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
  const affinity = (t: PlannedTask, b: number, self: number) => (modules[b].get(t.module) ?? 0) - self + (kinds[b].get(t.category) ?? 0) - self;

  for (let pass = 0; pass < 3; pass++) {
    let moved = false;
    for (let from = 0; from < groups.length; from++) {
      if (exclusive[from]) continue;
      for (const t of [...groups[from]]) {
        if (groups[from].length === 1) continue; // never empty a batch
        const lo = Math.max(-1, ...t.dependsOn.map((d) => batchOf.get(d) ?? -1)) + 1;
        const hi = Math.min(groups.length, ...(dependents.get(t.id) ?? []).map((d) => batchOf.get(d) ?? groups.length));
        let best = from;
        let bestScore = affinity(t, from, 1);
        for (let to = lo; to < hi; to++) {
          if (to === from || exclusive[to] || groups[to].length >= maxBatch || t.touches.some((f) => files[to].has(f))) continue;
          const score = affinity(t, to, 0);
          if (score > bestScore) {
            best = to;
            bestScore = score;
          }
        }
        if (best === from) continue;
        groups[from].splice(groups[from].indexOf(t), 1);
        groups[best].push(t);
        batchOf.set(t.id, best);
        for (const f of t.touches) {
          const left = files[from].get(f)! - 1;
          if (left) files[from].set(f, left);
          else files[from].delete(f);
          files[best].set(f, 1);
        }
        for (const [tallies, key] of [[modules, t.module], [kinds, t.category]] as const) {
          tallies[from].set(key, tallies[from].get(key)! - 1);
          tallies[best].set(key, (tallies[best].get(key) ?? 0) + 1);
        }
        moved = true;
      }
    }
    if (!moved) break;
  }
  return groups;
}
