import { fileWaits, type FileWait } from './execution-order';
import { agentLabel, type ModelInfo } from './model-name';
import { type Batch, type Phase, type Plan, type PlannedTask } from '../types';

const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** "TASK-2 (1A): src/a.ts, src/b.ts" */
const waitText = (w: FileWait) => `${w.id} (${w.batch}): ${w.files.join(', ')}`;

/** A phase whose every task runs alone because of its risk (--sequential-risk). */
export function sequentialByRisk(phase: Phase): boolean {
  return !!phase.sequentialByRisk;
}

/** A task's line: id, title, the model, and the tasks it runs after. */
export function taskLine(t: PlannedTask, model: ModelInfo): string {
  return `- ${t.id}: ${t.title} - Agent: ${agentLabel(model)}${t.dependsOn.length ? ` (after ${t.dependsOn.join(', ')})` : ''}`;
}

/** Why a one-task step runs alone. */
export function aloneReason(
  t: PlannedTask,
  phase: Phase,
  waits: FileWait[] | undefined,
  riskSequential: boolean,
): string {
  if (riskSequential) return `${phase.risk} risk: one at a time`;
  if (!t.touches.length) return 'names no file, so it runs alone';
  if (waits?.length)
    return `after ${waits.map((w) => `${w.id} (${w.batch})`).join(', ')}, which change ${[...new Set(waits.flatMap((w) => w.files))].sort().join(', ')} too`;
  if (t.dependsOn.length) return `after ${t.dependsOn.join(', ')}`;
  return 'no task left to run beside it';
}

function stepHeading(b: Batch, phase: Phase, plan: Plan, reason: string): string {
  if (b.mode === 'sequential') return `Sequential Step ${b.id} (one task, ${reason}):`;
  const waves = Math.ceil(b.taskIds.length / Math.max(1, plan.maxParallel));
  const pace = waves > 1 ? ` (${plan.maxParallel} agents at a time, ${waves} waves)` : '';
  return `Parallel Batch ${b.id} (Independent, ${cap(phase.risk)} Risk): ${b.label}${pace}`;
}

/**
 * One phase's section: its steps in the order the workflow runs them (parallel batches and one-task steps
 * interleaved), then what "Sequential" means here: the tasks that wait for an earlier step because they share
 * a file with it (and which files), and, labelled apart, those that run alone because of their risk or
 * because they name no file.
 */
export function renderPhase(phase: Phase, plan: Plan, model: ModelInfo): string {
  const tag = `phase_${phase.number}`;
  const waits = fileWaits(plan, phase);
  const byRisk = sequentialByRisk(phase);
  const lines: string[] = [`### Phase ${phase.number}: ${phase.name}`, `<${tag}>`];
  lines.push(
    `Steps in the order they run; each starts from the run branch once the step before it has committed and passed the full suite.`,
    '',
  );
  for (const b of phase.batches) {
    const first = plan.tasks[b.taskIds[0]];
    lines.push(stepHeading(b, phase, plan, aloneReason(first, phase, waits.get(first.id), byRisk)));
    for (const id of b.taskIds) lines.push(taskLine(plan.tasks[id], model));
    lines.push('');
  }
  const ordered = phase.batches.flatMap((b) => b.taskIds.map((id) => ({ t: plan.tasks[id], batch: b.id })));
  lines.push(
    'Sequential (File conflicts): tasks that run after an earlier step of this phase because they change the same files',
  );
  const conflicting = ordered.filter(({ t }) => waits.has(t.id));
  if (!conflicting.length) lines.push('- none: no two tasks of this phase change the same file');
  for (const { t, batch } of conflicting)
    lines.push(`- ${t.id} (${batch}) after ${waits.get(t.id)!.map(waitText).join('; ')}`);
  const noFile = ordered.filter(({ t }) => !t.touches.length);
  if (noFile.length) {
    lines.push('', 'Sequential (No files named): tasks that name no file, so they run alone');
    for (const { t, batch } of noFile) lines.push(`- ${t.id} (${batch})`);
  }
  if (byRisk) {
    lines.push(
      '',
      `Sequential (Risk): every ${phase.risk}-risk task runs alone, one after another, in the steps above`,
    );
    for (const { t, batch } of ordered) lines.push(`- ${t.id} (${batch})`);
  }
  lines.push('');
  const taskTests = [...new Set(ordered.map(({ t }) => t.tests).filter(Boolean))];
  lines.push(
    `Validation: per task, its own tests${taskTests.length ? ` (${taskTests.length} task-specific commands)` : ''} ` +
      `or \`${plan.testCommand}\`; after every step that commits a change, the full suite \`${plan.testCommand}\` on the run branch; after the phase, the checks under Phase Validation`,
  );
  lines.push(`</${tag}>`);
  return lines.join('\n');
}
