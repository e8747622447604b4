import { executionSteps, type Step } from './execution-order';
import { type ModelInfo, taskToolModel } from './model-name';
import { type Plan, type PlannedTask } from '../types';

/** What Flotilla's agent is asked to do for a task, said so a person can give the same instruction to an agent. */
export function agentInstruction(t: PlannedTask, plan: Plan, researchNotes = false): string {
  const files = t.touches.map((f) => (t.creates?.includes(f) ? `${f} (new)` : f)).join(', ');
  return (
    `Execute ${t.id}: ${t.title}. Read ${t.sourcePath}; edit only ${files || 'the files the task needs (it names none)'}; ` +
    (researchNotes ? `use the research notes on ${t.id} given with it; ` : '') +
    `run \`${t.tests ?? plan.testCommand}\` and fix what it reports; then stop and reply with a one-paragraph summary. ` +
    `Do not touch tasks/, do not archive, commit or push: Flotilla runs the tests again and reviews the diff, and only when those gates pass ` +
    `does it move the task file to tasks/archive/ and commit "Complete ${t.id}: ${t.title}".`
  );
}

function taskCall(t: PlannedTask, plan: Plan, model: ModelInfo, notes: ReadonlySet<string>): string {
  const prompt = agentInstruction(t, plan, notes.has(t.id));
  return `Task(subagent_type="general-purpose", model="${taskToolModel(model.model)}", prompt=${JSON.stringify(prompt)})`;
}

const stepName = (s: Step | undefined) =>
  s ? (s.batch.mode === 'parallel' ? `Batch ${s.batch.id}` : `Step ${s.batch.id}`) : 'the final validation';

/** A note on who really does the work, for the top of each commands block. */
function header(model: ModelInfo): string[] {
  const lines = [
    '# These are the instructions Flotilla gives its agents, step by step in the order the run takes them. Flotilla runs them itself, with its gates;',
  ];
  lines.push(
    "# an agent given one by hand must stop after its tests: archiving and committing are the engine's, after the gates.",
  );
  if (model.standIn)
    lines.push(
      `# This plan was made for the stand-in model (not Claude), because ${model.standIn}; model= names the configured ${model.model}.`,
    );
  return lines;
}

/** <parallel_commands>: every step in run order; a one-task step points at its line in <sequential_commands>. */
export function renderParallelCommands(plan: Plan, model: ModelInfo, notes: ReadonlySet<string> = new Set()): string {
  const steps = executionSteps(plan);
  const parts: string[] = [...header(model), ''];
  steps.forEach((s, i) => {
    if (s.batch.mode === 'sequential') {
      parts.push(
        `# Step ${s.batch.id} - one task alone (${s.batch.taskIds[0]}): run its line in <sequential_commands> now, then go on with ${stepName(steps[i + 1])}`,
        '',
      );
      return;
    }
    parts.push(
      `# Batch ${s.batch.id} - Launch all simultaneously (${s.batch.label}), after ${i ? stepName(steps[i - 1]) : 'the baseline suite'} has committed`,
      'agents = [',
    );
    for (const id of s.batch.taskIds) parts.push(`  ${taskCall(plan.tasks[id], plan, model, notes)},`);
    parts.push(']', '');
  });
  if (!steps.some((s) => s.batch.mode === 'parallel'))
    parts.push('# No parallel batches: every task conflicts with another or is high risk.');
  return parts.join('\n').trimEnd();
}

/** <sequential_commands>: the one-task steps, in run order, each with the steps either side of it. */
export function renderSequentialCommands(plan: Plan, model: ModelInfo, notes: ReadonlySet<string> = new Set()): string {
  const steps = executionSteps(plan);
  const parts: string[] = [
    '# Run one at a time for conflicting tasks; each starts from the run branch after the previous step committed',
  ];
  let any = false;
  steps.forEach((s, i) => {
    if (s.batch.mode !== 'sequential') return;
    any = true;
    parts.push(
      `# Step ${s.batch.id} (Phase ${s.phase.number}): after ${i ? stepName(steps[i - 1]) : 'the baseline suite'}, before ${stepName(steps[i + 1])}`,
    );
    parts.push(taskCall(plan.tasks[s.batch.taskIds[0]], plan, model, notes));
  });
  if (!any) parts.push('# None: no task needs to run on its own.');
  return parts.join('\n');
}
