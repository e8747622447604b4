import type { RunReport, TaskState } from '../../core/types';

/**
 * review.md's "Phase validation": a section per phase with what its checks found and what went wrong in it: the
 * full suite on its last commit, the e2e run, the changes rolled back, the tasks skipped or failed, flaky tests seen.
 */
export function phaseSections(report: RunReport): string[] {
  const checks = report.phaseChecks ?? [];
  if (!checks.length) return [];
  const out = ['## Phase validation', ''];
  for (const c of checks) {
    const number = Number(c.phase.split('.')[0]);
    const tasks = report.tasks.filter((t) => t.phase === number);
    const committed = tasks.filter((t) => t.status === 'committed').length;
    out.push(`### Phase ${c.phase}`, '');
    out.push(`- Tasks: ${committed} committed, ${tasks.length - committed} not`);
    if (c.suiteReusedFrom)
      out.push(
        `- Full suite on the phase's last commit: passed (the run of ${c.suiteReusedFrom}, on that same commit)`,
      );
    else if (committed)
      out.push(
        "- Full suite on the phase's last commit: no green run on it (its last step's suite is under Test evidence)",
      );
    else out.push('- Full suite: not needed, the phase committed nothing');
    if (c.e2e)
      out.push(
        `- End-to-end: ${c.e2e.passed ? 'passed' : `FAILED (${c.e2e.failingTests.join('; ') || `exit ${c.e2e.exitCode}`})`}, \`${c.e2e.command}\` ([log](${c.e2e.logPath}))`,
      );
    if (c.rolledBack?.length)
      out.push(`- Rolled back because the e2e suite failed with them: ${c.rolledBack.join(', ')}`);
    const flaky = [...new Set(c.e2e?.flaky ?? [])];
    if (flaky.length) out.push(`- Flaky tests seen (passed on a re-run, blamed on no task): ${flaky.join('; ')}`);
    const notDone = tasks.filter((t: TaskState) => t.status === 'skipped' || t.status === 'failed');
    for (const t of notDone) out.push(`- ${t.id} ${t.status}: ${t.reason ?? 'no reason recorded'}`);
    if (!notDone.length && !c.rolledBack?.length && (c.e2e?.passed ?? true))
      out.push('- Nothing went wrong in this phase.');
    out.push('');
  }
  return out;
}
