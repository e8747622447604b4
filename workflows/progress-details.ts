import type { RunReport } from '../activities/types';

/** Markdown for the Web UI's "current details" of the run: counts, batches, and who is waiting. Pure. */
export function progressDetails(r: RunReport): string {
  const count = (s: string) => r.tasks.filter((t) => t.status === s).length;
  const planned = r.tasks.filter((t) => t.batch).length;
  const done = r.tasks.filter((t) => t.batch && ['committed', 'skipped', 'failed'].includes(t.status)).length;
  const lines = [
    `**${r.status}** on \`${r.branch ?? '…'}\`: ${done}/${planned} tasks done — ${count('committed')} committed, ${count('skipped')} skipped, ${count('failed')} failed, ${count('running')} running`,
  ];
  const waiting = r.tasks.filter((t) => t.status === 'awaiting-approval').map((t) => t.id);
  if (waiting.length) lines.push('', `Waiting for approval: ${waiting.join(', ')} (flotilla approve ${r.runId} TASK-x)`);
  if (r.batches.length) {
    lines.push('', '| batch | mode | state | suite | label |', '|---|---|---|---|---|');
    for (const b of r.batches.slice(0, 60)) {
      lines.push(`| ${b.id} | ${b.mode} | ${b.state} | ${b.suite ? (b.suite.passed ? 'green' : 'red') : ''} | ${b.label.replace(/\|/g, '/')} |`);
    }
    if (r.batches.length > 60) lines.push(`| … | | | | ${r.batches.length - 60} more |`);
  }
  return lines.join('\n').slice(0, 19_000);
}
