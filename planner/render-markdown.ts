import { criticalPath } from './critical-path';
import { MAX_BATCH_TASKS, phaseMinutes } from './plan';
import { segmentSpan } from './segments';
import { type Batch, type Phase, type Plan, type PlannedTask } from './types';

export interface RenderContext {
  runId?: string;
  model?: string;
}

const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
const fmtMin = (m: number) => (m >= 90 ? `${(m / 60).toFixed(1)} h` : `${Math.round(m)} min`);

function taskLine(t: PlannedTask, suffix = ''): string {
  return `- ${t.id}: ${t.title} - Agent: haiku${suffix}`;
}

function testsFor(t: PlannedTask, plan: Plan): string {
  return t.tests ?? plan.testCommand;
}

function agentPrompt(t: PlannedTask, plan: Plan): string {
  const prompt =
    `Execute ${t.id}: ${t.title}. Read ${t.sourcePath}, implement it touching only ${t.touches.map((f) => (t.creates?.includes(f) ? `${f} (new)` : f)).join(', ') || 'the files it names'}, ` +
    `run \`${testsFor(t, plan)}\`, git mv ${t.sourcePath} tasks/archive/, commit "Complete ${t.id}: ${t.title}".`;
  return `  Task(subagent_type="general-purpose", model="haiku", prompt=${JSON.stringify(prompt)}),`;
}

function sharedWith(t: PlannedTask, plan: Plan): string {
  const shared = plan.conflicts.filter((c) => c.tasks.includes(t.id));
  if (!shared.length) return '';
  return shared
    .slice(0, 2)
    .map((c) => `${c.file} with ${c.tasks.filter((x) => x !== t.id).join(', ')}`)
    .join('; ');
}

function sequentialReason(t: PlannedTask, phase: Phase, plan: Plan): string {
  if (phase.risk === 'high' && phase.batches.every((b) => b.mode === 'sequential')) return 'high risk';
  if (!t.touches.length) return 'names no file, so runs alone';
  const shared = sharedWith(t, plan);
  const deps = t.dependsOn.length ? `after ${t.dependsOn.join(', ')}` : '';
  return [shared && `shares ${shared}`, deps].filter(Boolean).join('; ') || 'no parallel partner';
}

function renderPhase(phase: Phase, plan: Plan): string {
  const tag = `phase_${phase.number}`;
  const lines: string[] = [`### Phase ${phase.number}: ${phase.name}`, `<${tag}>`];
  const parallel = phase.batches.filter((b) => b.mode === 'parallel');
  const sequential = phase.batches.filter((b) => b.mode === 'sequential');
  if (!parallel.length) lines.push('Parallel Batch: none (every task in this phase runs on its own)', '');
  for (const b of parallel) {
    const waves = Math.ceil(b.taskIds.length / Math.max(1, plan.maxParallel));
    const pace = waves > 1 ? ` (${plan.maxParallel} agents at a time, ${waves} waves)` : '';
    lines.push(`Parallel Batch ${b.id} (Independent, ${cap(phase.risk)} Risk): ${b.label}${pace}`);
    for (const id of b.taskIds) lines.push(taskLine(plan.tasks[id]));
    lines.push('');
  }
  lines.push('Sequential (File conflicts):');
  if (!sequential.length) lines.push('- none');
  for (const b of sequential) {
    const t = plan.tasks[b.taskIds[0]];
    lines.push(taskLine(t, ` (step ${b.id}: ${sequentialReason(t, phase, plan)})`));
  }
  lines.push('');
  const taskTests = [...new Set(phase.batches.flatMap((b) => b.taskIds.map((id) => plan.tasks[id].tests).filter(Boolean)))];
  lines.push(
    `Validation: per task, its own tests${taskTests.length ? ` (${taskTests.length} task-specific commands)` : ''} ` +
      `or \`${plan.testCommand}\`; after every batch, the full suite \`${plan.testCommand}\` on the run branch`,
  );
  lines.push(`</${tag}>`);
  return lines.join('\n');
}

function renderParallelCommands(plan: Plan): string {
  const parts: string[] = [];
  for (const phase of plan.phases) {
    for (const b of phase.batches.filter((x) => x.mode === 'parallel')) {
      parts.push(`# Batch ${b.id} - Launch all simultaneously (${b.label})`, 'agents = [');
      for (const id of b.taskIds) parts.push(agentPrompt(plan.tasks[id], plan));
      parts.push(']', '');
    }
  }
  if (!parts.length) parts.push('# No parallel batches: every task conflicts with another or is high risk.');
  return parts.join('\n').trimEnd();
}

function renderSequentialCommands(plan: Plan): string {
  const parts: string[] = ['# Run one at a time for conflicting tasks; each starts from the run branch after the previous one committed'];
  let any = false;
  for (const phase of plan.phases) {
    const seq = phase.batches.filter((b) => b.mode === 'sequential');
    if (!seq.length) continue;
    any = true;
    parts.push(`# Phase ${phase.number}, after its parallel batches`);
    for (const b of seq) parts.push(`# Step ${b.id}`, agentPrompt(plan.tasks[b.taskIds[0]], plan).trim());
  }
  if (!any) parts.push('# None: no task needs to run on its own.');
  return parts.join('\n');
}

function phaseCounts(phase: Phase): { total: number; parallel: number; sequential: number } {
  const count = (bs: Batch[]) => bs.reduce((n, b) => n + b.taskIds.length, 0);
  return {
    total: count(phase.batches),
    parallel: count(phase.batches.filter((b) => b.mode === 'parallel')),
    sequential: count(phase.batches.filter((b) => b.mode === 'sequential')),
  };
}

function confidence(plan: Plan): 'high' | 'medium' | 'low' {
  const total = Object.keys(plan.tasks).length;
  const noFiles = Object.values(plan.tasks).filter((t) => !t.touches.length).length;
  const ratio = total ? plan.skipped.length / (total + plan.skipped.length) : 1;
  if (!total || ratio > 0.25) return 'low';
  if (plan.skipped.length || noFiles) return 'medium';
  return 'high';
}

function openQuestions(plan: Plan): string[] {
  const q: string[] = [];
  for (const s of plan.skipped) q.push(`${s.file}${s.id ? ` (${s.id})` : ''} cannot be planned: ${s.reason}. Fix the file and re-plan, or leave it skipped?`);
  for (const t of Object.values(plan.tasks).filter((x) => !x.touches.length)) {
    q.push(`${t.id} names no file, so it is treated as touching everything and runs alone. Which files does it change?`);
  }
  const hot = plan.conflicts.filter((c) => c.tasks.length >= 3);
  for (const c of hot.slice(0, 5)) q.push(`${c.file} is touched by ${c.tasks.length} tasks (${c.tasks.join(', ')}); they run one per batch. Could some be merged?`);
  if (!q.length) q.push('None: every task file parsed and every task names the files it changes.');
  return q;
}

/** How the run workflow's history is kept bounded: one segment per execution, continue-as-new between them. */
function segmentNote(plan: Plan): string {
  const segs = plan.segments;
  if (segs.length <= 1) return '- The run fits one execution of the run workflow (one segment); it does not need to continue-as-new';
  const spans = segs.map((s) => `${s.number}: batches ${segmentSpan(s)} (${s.tasks} tasks)`).join('; ');
  return `- The run is split into ${segs.length} segments of at most ${Math.max(...segs.map((s) => s.tasks))} tasks, and the run workflow continues-as-new between them so its history stays small: ${spans}`;
}

/** The plan as markdown, in the structure of the seed's Output Specification. */
export function renderPlanMarkdown(plan: Plan, ctx: RenderContext = {}): string {
  const total = Object.keys(plan.tasks).length;
  const batchCount = plan.phases.reduce((n, p) => n + p.batches.length, 0);
  const parallelBatches = plan.phases.flatMap((p) => p.batches).filter((b) => b.mode === 'parallel');
  const widest = Math.max(0, ...parallelBatches.map((b) => b.taskIds.length));
  const model = ctx.model ?? 'claude-haiku-4-5';
  const backup = ctx.runId ? `refs/flotilla/${ctx.runId}/backup` : 'refs/flotilla/<runId>/backup';
  const branch = ctx.runId ? `flotilla/${ctx.runId}` : 'flotilla/<runId>';
  const out: string[] = [];
  out.push('# Task Execution Plan', '');
  out.push('## Executive Summary');
  out.push(
    `${total} task${total === 1 ? '' : 's'} of ${plan.repoName} run in ${plan.phases.length} phase${plan.phases.length === 1 ? '' : 's'} ` +
      `and ${batchCount} batches (${parallelBatches.length} parallel, widest ${widest} agents, at most ${plan.maxParallel} at once), ` +
      `low risk first and high risk one at a time. Every agent is Claude Haiku (\`${model}\`) working in its own git worktree; ` +
      `tasks in one parallel batch never share a file, so their commits apply cleanly on the run branch \`${branch}\`. ` +
      `The user's checked-out branch is never touched. Each task is committed only when its tests pass, together with the move ` +
      `of its task file to tasks/archive/; a task that breaks a test is rolled back and skipped with the reason.` +
      (plan.skipped.length ? ` ${plan.skipped.length} task file(s) cannot be planned and are listed under Skip Lists.` : ''),
  );
  out.push('', '## Execution Phases', '');
  for (const phase of plan.phases) out.push(renderPhase(phase, plan), '');
  out.push('## Agent Coordination', '', '### Parallel Execution Commands', '<parallel_commands>', renderParallelCommands(plan), '</parallel_commands>', '');
  out.push('### Sequential Execution Commands', '<sequential_commands>', renderSequentialCommands(plan), '</sequential_commands>', '');
  out.push(
    'Coordination: each batch is a Temporal child workflow; agents report completion by returning their result to it, ' +
      'and the batch commits results onto the run branch one at a time. Progress is visible in the Temporal Web UI and in `flotilla status`.',
    '',
  );
  out.push('## Quality Gates', '', '### Pre-Execution Checklist', '<pre_execution>');
  out.push('- [ ] Working tree clean', `- [ ] All tests passing (\`${plan.testCommand}\`)`, '- [ ] Dependencies installed', `- [ ] Backup created (\`${backup}\`)`);
  out.push('</pre_execution>', '', '### Per-Task Validation', '<per_task_validation>');
  out.push(
    "1. Run task-specific tests (the task's `tests:` command, else the tests that import the changed files, else the full suite)",
    '2. Verify no test breakage (a failing test rolls the task back)',
    '3. Check file modifications correct (the diff is non-empty and limited to what the agent edited)',
    '4. Archive and commit (`git mv` the task file to tasks/archive/ in the same commit, "Complete TASK-x: summary")',
  );
  out.push('</per_task_validation>', '', '### Phase Validation', '<phase_validation>', 'After each phase:');
  out.push(
    `- [ ] Run full test suite (\`${plan.testCommand}\`, also after every batch)`,
    '- [ ] Check e2e tests',
    '- [ ] Review changes',
    '- [ ] Document any issues',
  );
  out.push('</phase_validation>', '', '## Failure Recovery', '', '### Rollback Procedures', '<rollback>', 'If task fails:');
  out.push(
    "1. Discard the task's worktree and branch; nothing reaches the run branch",
    '2. Record the task as skipped with the failing tests as the reason (report.json, `flotilla status`)',
    '3. Tasks that depend on it are skipped too; the rest of the batch goes on',
    `4. To undo a committed task later: \`git revert <commit>\` on \`${branch}\``,
    `5. To undo the whole run: \`git branch -D ${branch}\` (the base commit stays at \`${backup}\`)`,
  );
  out.push('</rollback>', '', '### Skip Lists', '<skip_conditions>', 'Skip task if:');
  out.push(
    '- its file cannot be parsed (bad front matter, missing id or title, duplicate id, a path outside the repo)',
    '- a task it depends on was skipped or failed, or its dependencies form a cycle',
    '- the agent made no change, or its change breaks a test that passed before',
  );
  if (plan.skipped.length) {
    out.push('', 'Skipped at planning:');
    for (const s of plan.skipped) out.push(`- ${s.file}${s.id ? ` (${s.id})` : ''}: ${s.reason}`);
  }
  out.push('</skip_conditions>', '', '## Code Review Preparation', '', '### Review Checklist', '<review_prep>');
  out.push(
    '- [ ] All tasks completed (or skipped with a recorded reason)',
    '- [ ] Tests passing on the run branch',
    '- [ ] Changes documented (one commit per task, the agent summary in its body)',
    '- [ ] Commits organized (grouped by phase and batch in report.json)',
  );
  out.push('</review_prep>', '', '## Implementation Timeline', '<timeline>', 'Estimated execution:');
  for (const phase of plan.phases) {
    const c = phaseCounts(phase);
    out.push(`- Phase ${phase.number}: ${c.total} tasks, ${c.parallel} parallel, ${c.sequential} sequential (~${fmtMin(phaseMinutes(phase, plan))})`);
  }
  const chain = criticalPath(plan);
  out.push(`Total: ~${fmtMin(plan.totalEstimateMinutes)} wall-clock with ${plan.maxParallel} agents at once (estimated from each task's risk and size; phases and batches run in order)`);
  if (chain.taskIds.length) out.push(`Critical path: ${chain.taskIds.join(' → ')} (~${fmtMin(chain.minutes)}; no schedule can be shorter than its longest dependency chain)`);
  out.push('</timeline>', '', '<metadata>', `<confidence>${confidence(plan)}</confidence>`, '<dependencies>');
  out.push('- Task files under tasks/ at the base commit', '- Clean working tree', `- Test suite functional (\`${plan.testCommand}\`)`);
  const withDeps = Object.values(plan.tasks).filter((t) => t.dependsOn.length);
  for (const t of withDeps) out.push(`- ${t.id} after ${t.dependsOn.join(', ')}`);
  out.push('</dependencies>', '<open_questions>');
  for (const q of openQuestions(plan)) out.push(`- ${q}`);
  out.push('</open_questions>', '<assumptions>');
  out.push(
    `- Haiku model available for all agents (\`${model}\`, or the stand-in model offline)`,
    '- Tests are deterministic',
    '- Git operations allowed (worktrees, a run branch, commits)',
    "- A task changes only the files it declares or names in its Change blocks; conflicts are computed from those",
    `- Each phase and batch is a Temporal child workflow, and each task a child of its batch; a batch holds at most ${MAX_BATCH_TASKS} tasks (wider sets of independent tasks are split), so no workflow nears Temporal's limits on pending children or history`,
    segmentNote(plan),
  );
  out.push('</assumptions>', '</metadata>', '');
  return out.join('\n');
}
