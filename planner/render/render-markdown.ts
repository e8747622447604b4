import { criticalPath } from '../critical-path';
import { modelDisplay, modelFamily, type ModelInfo } from './model-name';
import { MAX_BATCH_TASKS, phaseMinutes } from '../plan';
import { renderParallelCommands, renderSequentialCommands } from './render-commands';
import { renderPhase } from './render-phase';
import { segmentSpan } from '../segments';
import { type Batch, type Phase, type Plan } from '../types';

export interface RenderContext {
  runId?: string;
  /** The configured model (default claude-haiku-4-5). */
  model?: string;
  /** Why the stand-in model (not Claude) does the work, when it does. */
  standIn?: string;
  /** The reviewer's model, when not the agents'. */
  reviewModel?: string;
  /** The end-to-end command, given or detected. */
  e2eCommand?: string;
  /** When it runs (default phase): after every phase, once at the end, or never. */
  e2eAfter?: 'phase' | 'run' | 'never';
  /** The research document the tasks came from, and the tasks it has notes on. */
  research?: { path: string; taskIds: string[] };
}
const fmtMin = (m: number) => (m >= 90 ? `${(m / 60).toFixed(1)} h` : `${Math.round(m)} min`);

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
  for (const s of plan.skipped)
    q.push(
      `${s.file}${s.id ? ` (${s.id})` : ''} cannot be planned: ${s.reason}. Fix the file and re-plan, or leave it skipped?`,
    );
  for (const t of Object.values(plan.tasks).filter((x) => !x.touches.length)) {
    q.push(
      `${t.id} names no file, so it is treated as touching everything and runs alone. Which files does it change?`,
    );
  }
  const hot = plan.conflicts.filter((c) => c.tasks.length >= 3);
  for (const c of hot.slice(0, 5))
    q.push(
      `${c.file} is touched by ${c.tasks.length} tasks (${c.tasks.join(', ')}); they run one per batch. Could some be merged?`,
    );
  if (!q.length) q.push('None: every task file parsed and every task names the files it changes.');
  return q;
}

/** How the run workflow's history is kept bounded: one segment per execution, continue-as-new between them. */
function segmentNote(plan: Plan): string {
  const segs = plan.segments;
  if (segs.length <= 1)
    return '- The run fits one execution of the run workflow (one segment); it does not need to continue-as-new';
  const spans = segs.map((s) => `${s.number}: batches ${segmentSpan(s)} (${s.tasks} tasks)`).join('; ');
  return `- The run is split into ${segs.length} segments of at most ${Math.max(...segs.map((s) => s.tasks))} tasks, and the run workflow continues-as-new between them so its history stays small: ${spans}`;
}

/** The phase validation's e2e line: the exact command and when it runs. */
function e2eLine(ctx: RenderContext): string {
  const after = ctx.e2eAfter ?? 'phase';
  if (after === 'never') return '- [ ] Check e2e tests (not run: --e2e-after never)';
  if (!ctx.e2eCommand)
    return '- [ ] Check e2e tests (none found: no test:e2e or e2e script, Playwright or Cypress config, or e2e folder; pass --e2e-cmd CMD)';
  if (after === 'run')
    return `- [ ] Check e2e tests (\`${ctx.e2eCommand}\`, once, on the final run branch: --e2e-after run)`;
  return `- [ ] Check e2e tests (\`${ctx.e2eCommand}\` on the phase's last commit; when it fails, the phase's changes that break it are found, rolled back and recorded as skipped)`;
}

/** The plan as markdown, in the structure of the seed's Output Specification. */
export function renderPlanMarkdown(plan: Plan, ctx: RenderContext = {}): string {
  const total = Object.keys(plan.tasks).length;
  const batchCount = plan.phases.reduce((n, p) => n + p.batches.length, 0);
  const parallelBatches = plan.phases.flatMap((p) => p.batches).filter((b) => b.mode === 'parallel');
  const widest = Math.max(0, ...parallelBatches.map((b) => b.taskIds.length));
  const info: ModelInfo = { model: ctx.model ?? 'claude-haiku-4-5', ...(ctx.standIn ? { standIn: ctx.standIn } : {}) };
  const model = info.model;
  const notes = new Set(ctx.research?.taskIds ?? []);
  const backup = ctx.runId ? `refs/flotilla/${ctx.runId}/backup` : 'refs/flotilla/<runId>/backup';
  const branch = ctx.runId ? `flotilla/${ctx.runId}` : 'flotilla/<runId>';
  const out: string[] = [];
  out.push('# Task Execution Plan', '');
  out.push('## Executive Summary');
  out.push(
    `${total} task${total === 1 ? '' : 's'} of ${plan.repoName} run in ${plan.phases.length} phase${plan.phases.length === 1 ? '' : 's'} ` +
      `and ${batchCount} batches (${parallelBatches.length} parallel, widest ${widest} agents, at most ${plan.maxParallel} at once), ` +
      `low risk first and high risk one at a time. Every agent is ${modelDisplay(info)}, working in its own git worktree; ` +
      `tasks in one parallel batch never share a file, so their commits apply cleanly on the run branch \`${branch}\`. ` +
      `The user's checked-out branch is never touched. Each task is committed only when its tests pass, together with the move ` +
      `of its task file to tasks/archive/; a task that breaks a test is rolled back and skipped with the reason.` +
      (plan.skipped.length
        ? ` ${plan.skipped.length} task file(s) cannot be planned and are listed under Skip Lists.`
        : ''),
  );
  out.push('', '## Execution Phases', '');
  for (const phase of plan.phases) out.push(renderPhase(phase, plan, info), '');
  out.push(
    '## Agent Coordination',
    '',
    '### Parallel Execution Commands',
    '<parallel_commands>',
    renderParallelCommands(plan, info, notes),
    '</parallel_commands>',
    '',
  );
  out.push(
    '### Sequential Execution Commands',
    '<sequential_commands>',
    renderSequentialCommands(plan, info, notes),
    '</sequential_commands>',
    '',
  );
  out.push(
    'Coordination: each batch is a Temporal child workflow; agents report completion by returning their result to it, ' +
      'and the batch commits results onto the run branch one at a time. Progress is visible in the Temporal Web UI and in `flotilla status`.',
    '',
  );
  out.push('## Quality Gates', '', '### Pre-Execution Checklist', '<pre_execution>');
  out.push(
    '- [ ] Working tree clean',
    `- [ ] All tests passing (\`${plan.testCommand}\`)`,
    '- [ ] Dependencies installed',
    `- [ ] Backup created (\`${backup}\`)`,
  );
  out.push('</pre_execution>', '', '### Per-Task Validation', '<per_task_validation>');
  out.push(
    "1. Run task-specific tests (the task's `tests:` command, else the tests that import the changed files, else the full suite)",
    '2. Verify no test breakage (a failing test rolls the task back)',
    '3. Check file modifications correct (the diff is non-empty and limited to what the agent edited)',
    '4. Archive and commit (done by Flotilla, never by the agent, and only after the gates above pass: the task file moves to tasks/archive/ in the task\'s own commit, "Complete TASK-x: title")',
  );
  out.push('</per_task_validation>', '', '### Phase Validation', '<phase_validation>', 'After each phase:');
  out.push(
    `- [ ] Run full test suite (\`${plan.testCommand}\` on the phase's last commit: the last step's run is reused when it was on that commit)`,
    e2eLine(ctx),
    `- [ ] Review changes (each task's diff by the reviewer${ctx.reviewModel ? ` \`${ctx.reviewModel}\`` : ''} before it commits; the run's combined diff once, at the end)`,
    '- [ ] Document any issues (a section per phase in review.md: the suite, the e2e run, rollbacks and skips; report.json has the same)',
  );
  out.push(
    '</phase_validation>',
    '',
    '## Failure Recovery',
    '',
    '### Rollback Procedures',
    '<rollback>',
    'If task fails:',
  );
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
    out.push(
      `- Phase ${phase.number}: ${c.total} tasks, ${c.parallel} parallel, ${c.sequential} sequential (~${fmtMin(phaseMinutes(phase, plan))})`,
    );
  }
  const chain = criticalPath(plan);
  out.push(
    `Total: ~${fmtMin(plan.totalEstimateMinutes)} wall-clock with ${plan.maxParallel} agents at once (estimated from each task's risk and size; phases and batches run in order)`,
  );
  if (chain.taskIds.length)
    out.push(
      `Critical path: ${chain.taskIds.join(' → ')} (~${fmtMin(chain.minutes)}; no schedule can be shorter than its longest dependency chain)`,
    );
  out.push('</timeline>', '', '<metadata>', `<confidence>${confidence(plan)}</confidence>`, '<dependencies>');
  out.push(
    ctx.research
      ? `- Research findings from ${ctx.research.path} (notes on ${ctx.research.taskIds.length} task${ctx.research.taskIds.length === 1 ? '' : 's'}, each given to that task's agent)`
      : '- Research findings: none given (pass --research FILE, or keep it at .prompts/*/*research*.md)',
    '- Task files under tasks/ at the base commit',
    '- Clean working tree',
    `- Test suite functional (\`${plan.testCommand}\`)`,
  );
  const withDeps = Object.values(plan.tasks).filter((t) => t.dependsOn.length);
  for (const t of withDeps) out.push(`- ${t.id} after ${t.dependsOn.join(', ')}`);
  out.push('</dependencies>', '<open_questions>');
  for (const q of openQuestions(plan)) out.push(`- ${q}`);
  out.push('</open_questions>', '<assumptions>');
  out.push(
    info.standIn
      ? `- The stand-in model answers for every agent (not Claude, because ${info.standIn}); \`${model}\` with an API key`
      : `- ${modelFamily(model) === 'haiku' ? 'Haiku model' : `Model \`${model}\``} available for all agents${modelFamily(model) === 'haiku' ? ` (\`${model}\`)` : ''}${ctx.reviewModel ? `; the reviewer is \`${ctx.reviewModel}\`` : ''}`,
    '- Tests are deterministic',
    '- Git operations allowed (worktrees, a run branch, commits)',
    '- A task changes only the files it declares or names in its Change blocks; conflicts are computed from those',
    `- Each phase and batch is a Temporal child workflow, and each task a child of its batch; a batch holds at most ${MAX_BATCH_TASKS} tasks (wider sets of independent tasks are split), so no workflow nears Temporal's limits on pending children or history`,
    segmentNote(plan),
  );
  out.push('</assumptions>', '</metadata>', '');
  return out.join('\n');
}
