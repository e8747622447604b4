import { explainMix } from './explain-mix';
import { sequentialByRisk } from './render-phase';
import { type Plan } from '../types';

/** Why a task sits where it does: its phase and batch, its conflicts (and where they sit), its dependencies. Pure. */
export function explainTask(plan: Plan, id: string): string[] {
  const skipped = plan.skipped.find((s) => s.id === id || s.file.endsWith(`/${id}.md`));
  if (skipped) return [`${id} is not in the plan: ${skipped.file}: ${skipped.reason}`];
  const t = plan.tasks[id];
  if (!t)
    throw new Error(`${id} is not a task of this backlog (known: ${Object.keys(plan.tasks).slice(0, 5).join(', ')}…)`);
  const where = new Map<string, string>();
  for (const p of plan.phases) for (const b of p.batches) for (const x of b.taskIds) where.set(x, b.id);
  const phase = plan.phases.find((p) => p.batches.some((b) => b.taskIds.includes(id)))!;
  const batch = phase.batches.find((b) => b.taskIds.includes(id))!;
  const lines = [
    `${id}: ${t.title}`,
    `  risk ${t.risk}, category ${t.category}, module ${t.module}, estimate ${t.estimateMinutes} min`,
    `  phase ${phase.number} (${phase.name}), batch ${batch.id} (${batch.mode}, ${batch.taskIds.length} task${batch.taskIds.length === 1 ? '' : 's'}: ${batch.label})`,
    `  touches: ${t.touches.join(', ') || 'no file named, so it is treated as touching everything and runs alone'}`,
  ];
  const conflicts = plan.conflicts.filter((c) => c.tasks.includes(id));
  if (!conflicts.length) lines.push('  conflicts: none');
  for (const c of conflicts) {
    lines.push(
      `  conflicts on ${c.file}: ${c.tasks
        .filter((x) => x !== id)
        .map((x) => `${x} (${where.get(x) ?? 'skipped'})`)
        .join(', ')}`,
    );
  }
  lines.push(
    `  depends on: ${t.dependsOn.length ? t.dependsOn.map((d) => `${d} (${where.get(d)})`).join(', ') : 'nothing'}`,
  );
  const dependents = Object.values(plan.tasks)
    .filter((x) => x.dependsOn.includes(id))
    .map((x) => `${x.id} (${where.get(x.id)})`);
  if (dependents.length) lines.push(`  needed by: ${dependents.join(', ')}`);
  const why = sequentialByRisk(phase)
    ? `${phase.risk}-risk tasks run one at a time`
    : `a batch of its risk phase after its dependencies that holds no task touching its files, chosen to group modules and kinds without lengthening the phase`;
  lines.push(`  why here: ${why}`);
  lines.push(...explainMix(plan, phase, batch, id));
  const segment = plan.segments.find((s) => s.batchIds.includes(batch.id));
  if (segment && plan.segments.length > 1)
    lines.push(
      `  runs in segment ${segment.number} of ${plan.segments.length} (the run workflow continues-as-new between segments)`,
    );
  return lines;
}
