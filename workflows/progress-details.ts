import type { RunReport } from '../core/types';
import { describeModel } from '../planner/render/model-name';

/** Markdown for the Web UI's "current details" of the run: counts, batches, and who is waiting. Pure. */
export function progressDetails(r: RunReport): string {
  const c = r.counts;
  const planned = c.planned;
  const done = planned - c.pending - c.running - c['awaiting-approval'];
  const segment = r.segment ? ` (segment ${r.segment.number} of ${r.segment.of})` : '';
  const lines = [
    `**${r.status}** on \`${r.branch ?? '…'}\`${segment}: ${done}/${planned} tasks done — ${c.committed} committed${c.integrated ? `, ${c.integrated} integrated` : ''}, ${c.skipped} skipped, ${c.failed} failed, ${c.running} running`,
  ];
  lines.push('', `Model: ${describeModel(r.model, r.standIn)}`);
  const waiting = r.tasks.filter((t) => t.status === 'awaiting-approval').map((t) => t.id);
  if (waiting.length)
    lines.push('', `Waiting for approval: ${waiting.join(', ')} (flotilla approve ${r.runId} TASK-x)`);
  if (r.batches.length) {
    lines.push('', '| batch | mode | state | suite | label |', '|---|---|---|---|---|');
    for (const b of r.batches.slice(0, 60)) {
      lines.push(
        `| ${b.id} | ${b.mode} | ${b.state} | ${b.suite ? (b.suite.passed ? 'green' : 'red') : ''} | ${b.label.replace(/\|/g, '/')} |`,
      );
    }
    if (r.batches.length > 60) lines.push(`| … | | | | ${r.batches.length - 60} more |`);
  }
  return lines.join('\n').slice(0, 19_000);
}
