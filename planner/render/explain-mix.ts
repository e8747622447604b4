import { type Batch, type Phase, type Plan, type PlannedTask } from '../types';

/** Why another task of the same module or kind is not in this batch: the first reason that keeps it out. */
function keptOut(u: PlannedTask, batch: Batch, plan: Plan, at: Map<string, number>): string {
  const here = batch.taskIds.map((id) => plan.tasks[id]);
  for (const x of here) {
    const shared = u.touches.filter((f) => x.touches.includes(f));
    if (shared.length) return `shares ${shared.join(', ')} with ${x.id} here`;
  }
  const mine = at.get(batch.id)!;
  const blocker = u.dependsOn.find((d) => (at.get(d) ?? -1) >= mine);
  if (blocker) return `depends on ${blocker}, which runs in this batch or later`;
  const waiting = here.find((x) => x.dependsOn.includes(u.id));
  if (waiting) return `${waiting.id} here depends on it`;
  if (!u.touches.length) return 'it names no file, so it runs alone';
  return "moving it here would make the phase's estimate longer, or split its own batch's group more";
}

/**
 * When a task's parallel batch mixes modules or kinds of change: which, and why the other tasks of its own module
 * and kind in the phase are not beside it (a shared file, a dependency, running alone, or the phase's length). Pure.
 */
export function explainMix(plan: Plan, phase: Phase, batch: Batch, id: string): string[] {
  if (batch.mode !== 'parallel') return [];
  const here = batch.taskIds.map((x) => plan.tasks[x]);
  const kinds = [...new Set(here.map((x) => x.category))].sort();
  const modules = [...new Set(here.map((x) => x.module))].sort();
  if (kinds.length === 1 && modules.length === 1)
    return [`  grouping: the whole batch is ${kinds[0]} in ${modules[0]}`];
  const t = plan.tasks[id];
  // Each batch's and each task's position in the run.
  const at = new Map<string, number>();
  plan.phases.flatMap((p) => p.batches).forEach((b, i) => [b.id, ...b.taskIds].forEach((x) => at.set(x, i)));
  const lines = [
    `  grouping: this batch mixes ${kinds.length} kind${kinds.length === 1 ? '' : 's'} (${kinds.join(', ')}) and ${modules.length} module${modules.length === 1 ? '' : 's'} (${modules.join(', ')}); the planner groups only where no batch is added and the phase's estimate does not grow`,
  ];
  const elsewhere = phase.batches
    .filter((b) => b !== batch)
    .flatMap((b) => b.taskIds.map((x) => ({ u: plan.tasks[x], b: b.id })));
  for (const [what, same] of [
    [`${t.category} task`, (u: PlannedTask) => u.category === t.category],
    [`${t.module} task`, (u: PlannedTask) => u.module === t.module],
  ] as const) {
    const others = elsewhere.filter(({ u }) => same(u));
    if (!others.length) continue;
    lines.push(`  other ${what}s of phase ${phase.number}, not here:`);
    for (const { u, b } of others.slice(0, 5)) lines.push(`    ${u.id} (${b}): ${keptOut(u, batch, plan, at)}`);
    if (others.length > 5) lines.push(`    … and ${others.length - 5} more`);
  }
  return lines;
}
