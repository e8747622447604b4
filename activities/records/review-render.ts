import type { Plan } from '../../planner/types';
import { describeModel } from '../../planner/render/model-name';
import { phaseSections } from './review-phases';
import type { RunReport, TaskReview, TaskState, TestEvidence, TokenUsage } from '../../core/types';

/** Per committed task: files changed with line counts, from git. */
export interface CommitStat {
  taskId: string;
  commit: string;
  files: Array<{ path: string; added: number; removed: number }>;
}

function evidenceLine(label: string, e: TestEvidence | undefined, missing = 'not run'): string {
  if (!e) return `- ${label}: ${missing}`;
  const fails = e.failingTests.length ? ` — failing: ${e.failingTests.join('; ')}` : '';
  const flaky = e.flaky?.length ? ` — flaky, not blamed: ${e.flaky.join('; ')}` : '';
  const red = e.preExisting?.length ? ` — already red at the baseline: ${e.preExisting.join('; ')}` : '';
  const removed = e.removedTests?.length
    ? ` — tests removed from files the change edited: ${e.removedTests.join('; ')}`
    : '';
  if (e.alreadyValidatedBy)
    return `- ${label}: passed, not run again: the same commit passed the full suite of ${e.alreadyValidatedBy}, \`${e.command}\`${flaky} ([log](${e.logPath}))`;
  return `- ${label}: ${e.passed ? 'passed' : `FAILED (exit ${e.exitCode})`} in ${(e.durationMs / 1000).toFixed(1)} s, \`${e.command}\`${fails}${flaky}${red}${removed} ([log](${e.logPath}))`;
}

const costOf = (u: TokenUsage) =>
  u.costUsd !== undefined
    ? `$${u.costUsd.toFixed(4)}`
    : `${u.inputTokens + u.outputTokens + u.cacheReadTokens + u.cacheWriteTokens} tokens`;

/** How much of the input came from the prompt cache: the shared prefix at work (issue 25). */
export function cacheLine(u: TokenUsage): string {
  const input = u.inputTokens + u.cacheReadTokens + u.cacheWriteTokens;
  const share = input ? Math.round((100 * u.cacheReadTokens) / input) : 0;
  return `${u.cacheReadTokens} of ${input} input tokens read from the prompt cache (${share}%), ${u.cacheWriteTokens} written`;
}

/** A task's review, as lines under its entry: the verdict, who gave it, its cost, and the comments. */
export function reviewLines(r: TaskReview, indent = '  '): string[] {
  const verdict = r.verdict === 'approve' ? 'approved' : 'changes requested';
  const who = r.by === 'checks' ? 'by the deterministic checks' : `by the reviewer (${r.model ?? 'model'})`;
  const reviews = (r.reviews ?? 1) > 1 ? `, ${r.reviews} reviews` : '';
  const lines = [
    `${indent}- review: **${verdict}** ${who}${r.mode === 'advisory' ? ' (advisory)' : ''}: ${r.summary} (cost ${costOf(r.usage)}${reviews})`,
  ];
  for (const c of r.comments.slice(0, 20))
    lines.push(`${indent}  - ${c.file ? `\`${c.file}${c.line ? `:${c.line}` : ''}\` ` : ''}${c.message}`);
  if (r.comments.length > 20) lines.push(`${indent}  - … ${r.comments.length - 20} more in report.json`);
  return lines;
}

/** The run-level review (advisory): reviewer notes per category. */
function runReviewLines(report: RunReport): string[] {
  const rr = report.runReview;
  if (!rr) return [];
  const out = ['## Run review (advisory)', ''];
  if (rr.error) out.push(`The run-level review could not be done: ${rr.error}`, '');
  out.push(
    `One pass per category over the run's combined diff, by \`${rr.model}\` (cost ${costOf(rr.usage)}); these notes never rolled anything back.`,
    '',
  );
  if (!rr.notes.length && !rr.error) out.push('No committed change to review.', '');
  for (const n of rr.notes) {
    out.push(
      `- **${n.category}** (${n.tasks.join(', ')}): ${n.verdict === 'approve' ? 'consistent' : 'worth a look'}: ${n.summary}`,
    );
    for (const c of n.comments.slice(0, 20))
      out.push(`  - ${c.file ? `\`${c.file}${c.line ? `:${c.line}` : ''}\` ` : ''}${c.message}`);
  }
  out.push('');
  return out;
}

/** Files a task changed that its task file did not name (the archive move aside). */
export function undeclaredFiles(stat: CommitStat, plan: Plan): string[] {
  const declared = new Set(plan.tasks[stat.taskId]?.touches ?? []);
  return stat.files.map((f) => f.path).filter((p) => !p.startsWith('tasks/') && !declared.has(p));
}

/** review.md: what a reviewer needs to accept or undo the run. Pure. */
export function renderReview(
  report: RunReport,
  plan: Plan | null,
  stats: CommitStat[],
  sandbox?: { sandboxed: boolean; detail: string },
): string {
  const out: string[] = [];
  const byTask = new Map(report.tasks.map((t) => [t.id, t]));
  const statOf = new Map(stats.map((s) => [s.taskId, s]));
  const committed = report.tasks.filter((t) => t.status === 'committed');
  // On the run branch, but their batch's suite never passed on them: listed apart, never as committed.
  const integrated = report.tasks.filter((t) => t.status === 'integrated');
  const notDone = report.tasks.filter((t) => t.status === 'skipped' || t.status === 'failed');
  const branch = report.branch ?? `flotilla/${report.runId}`;
  const backup = `refs/flotilla/${report.runId}/backup`;

  out.push(`# Review: Flotilla run ${report.runId}`, '');
  out.push(`- Status: **${report.status}**${report.reason ? ` (${report.reason})` : ''}`);
  out.push(`- Branch: \`${branch}\` from \`${report.baseSha ?? '?'}\` (backup ref \`${backup}\`)`);
  out.push(
    `- Tasks: ${committed.length} committed, ${integrated.length ? `${integrated.length} integrated but not verified by their batch's suite, ` : ''}${notDone.length} skipped or failed, of ${report.tasks.length}`,
  );
  out.push(
    `- Model: ${describeModel(report.model, report.standIn)}; tokens ${report.usage.inputTokens} in / ${report.usage.outputTokens} out${report.usage.costUsd !== undefined ? `, about $${report.usage.costUsd.toFixed(4)}` : ''}; ${cacheLine(report.usage)}`,
  );
  if (report.planPath) out.push(`- Plan: ${report.planPath}`);
  if (sandbox)
    out.push(
      sandbox.sandboxed
        ? `- Sandbox: ${sandbox.detail}`
        : `- **NOT sandboxed**: ${sandbox.detail}. The repository's tests and commands ran with the worker's own access (see SECURITY.md).`,
    );
  if (report.reviewBranch)
    out.push(
      `- Review branch: ${report.reviewBranch.branch ? `\`${report.reviewBranch.branch}\` (${report.reviewBranch.note})` : report.reviewBranch.note}`,
    );
  out.push('');

  out.push('## Commits by phase and category', '');
  const phases = new Map<string, TaskState[]>();
  for (const t of committed) {
    const key = `Phase ${t.phase ?? '?'}`;
    phases.set(key, [...(phases.get(key) ?? []), t]);
  }
  if (!committed.length) out.push('No task was committed.', '');
  for (const [phase, tasks] of phases) {
    out.push(`### ${phase}`, '');
    const byCategory = new Map<string, TaskState[]>();
    for (const t of tasks) {
      const cat = plan?.tasks[t.id]?.category ?? 'other';
      byCategory.set(cat, [...(byCategory.get(cat) ?? []), t]);
    }
    for (const [cat, ts] of [...byCategory.entries()].sort((a, b) => a[0].localeCompare(b[0]))) {
      out.push(`**${cat}**`, '');
      for (const t of ts) {
        const s = statOf.get(t.id);
        const files = s ? s.files.filter((f) => !f.path.startsWith('tasks/')) : [];
        const added = files.reduce((n, f) => n + f.added, 0);
        const removed = files.reduce((n, f) => n + f.removed, 0);
        out.push(
          `- \`${t.commit?.slice(0, 10)}\` ${t.id}: ${t.title} (batch ${t.batch}; ${files.length} file${files.length === 1 ? '' : 's'}, +${added} −${removed}: ${files.map((f) => f.path).join(', ')})`,
        );
        if (t.tests)
          out.push(
            `  - its tests: passed in ${(t.tests.durationMs / 1000).toFixed(1)} s, \`${t.tests.command}\`${t.tests.selection ? ` (${t.tests.selection})` : ''} ([log](${t.tests.logPath}))`,
          );
        if (t.review) out.push(...reviewLines(t.review));
        if (t.usage)
          out.push(
            `  - its cost: ${costOf(t.usage)} over ${t.attempts} attempt${t.attempts === 1 ? '' : 's'}; ${cacheLine(t.usage)}`,
          );
      }
      out.push('');
    }
  }

  if (integrated.length) {
    out.push(
      '## Integrated, not verified',
      '',
      "On the run branch, but their batch's full suite never passed on them:",
      '',
    );
    for (const t of integrated)
      out.push(
        `- \`${t.commit?.slice(0, 10)}\` ${t.id}: ${t.title} (batch ${t.batch}): ${t.reason ?? "its batch's suite did not pass"}`,
      );
    out.push('');
  }

  out.push('## Test evidence', '');
  out.push(evidenceLine('Baseline (before any change)', report.baseline));
  for (const b of report.batches)
    out.push(
      evidenceLine(
        `After batch ${b.id} (${b.label})`,
        b.suite,
        b.state === 'done' ? 'not needed, no change was committed' : 'not run',
      ),
    );
  out.push(evidenceLine('Final suite on the run branch', report.final));
  if (report.e2e) out.push(evidenceLine('End-to-end', report.e2e));
  out.push('');

  out.push(...phaseSections(report));

  out.push('## Skipped and failed tasks', '');
  if (!notDone.length) out.push('None.');
  for (const t of notDone) {
    const log = t.tests && !t.tests.passed ? ` ([test log](${t.tests.logPath}))` : '';
    out.push(
      `- ${t.id} (${t.status}${t.batch ? `, batch ${t.batch}` : ''}): ${t.reason ?? 'no reason recorded'}${log}`,
    );
    if (t.review) out.push(...reviewLines(t.review));
  }
  out.push('');

  out.push(...runReviewLines(report));

  out.push('## Rollback plan', '');
  out.push('Nothing on your own branches changed; the run only added a branch and refs. To undo:', '');
  out.push('```sh');
  const extra = report.reviewBranch?.branch ? ` ${report.reviewBranch.branch}` : '';
  out.push(`# the whole run`, `git branch -D ${branch}${extra} && git update-ref -d ${backup}`);
  if (committed.length + integrated.length) {
    out.push(`# one task, keeping the others (on ${branch})`);
    for (const t of [...committed, ...integrated]) out.push(`git revert --no-edit ${t.commit}   # ${t.id}`);
  }
  out.push('```', '');

  out.push('## Notes for the reviewer', '');
  const notes: string[] = [];
  for (const s of stats) {
    const extra = plan ? undeclaredFiles(s, plan) : [];
    if (extra.length) notes.push(`${s.taskId} changed files its task file did not name: ${extra.join(', ')}`);
  }
  for (const t of committed)
    if ((t.attempts ?? 1) > 1)
      notes.push(
        `${t.id} passed its tests on attempt ${t.attempts} (earlier attempts failed; transcripts in the run folder)`,
      );
  for (const t of notDone.filter((x) => byTask.get(x.id)?.failingTests?.length))
    notes.push(`${t.id} was rolled back; failing tests: ${t.failingTests!.join('; ')}`);
  const flaky = [
    ...new Set([report.baseline, report.final, ...report.batches.map((b) => b.suite)].flatMap((e) => e?.flaky ?? [])),
  ];
  if (flaky.length)
    notes.push(`Flaky tests (they flipped between runs, so no task was blamed for them): ${flaky.join('; ')}`);
  if (report.baseline?.failingTests.length)
    notes.push(`Already red before the run (--allow-failing-baseline): ${report.baseline.failingTests.join('; ')}`);
  if (!notes.length) notes.push('Every committed change stayed within the files its task named.');
  for (const n of notes) out.push(`- ${n}`);
  out.push('');
  return out.join('\n');
}
