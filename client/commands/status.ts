import { type Command, CONNECTION_FLAGS, connectionFrom, bool } from '../args';
import { summaryLines } from '../follow-run';
import { fetchRunReport } from '../read-report';

/** `flotilla status RUN_ID [--json]`: the live state of a run, in the shape of report.json. */
export const statusCommand: Command = {
  name: 'status',
  summary: 'live state of a run (same shape as report.json)',
  positionals: [{ name: 'RUN_ID', description: 'the run (flotilla runs lists them)' }],
  flags: {
    json: { type: 'boolean', description: "print the whole state as JSON, in report.json's shape" },
    ...CONNECTION_FLAGS,
  },
  examples: ['flotilla status 20250101-120000-ab12', 'flotilla status 20250101-120000-ab12 --json | jq .counts'],
  async run(args, out) {
    const runId = args.positionals[0];
    const report = await fetchRunReport(connectionFrom(args), runId);
    if (bool(args, 'json')) {
      out(JSON.stringify(report, null, 2));
      return 0;
    }
    const counts = Object.entries(report.counts).filter(([s, n]) => s !== 'planned' && n > 0);
    const segment = report.segment ? ` (segment ${report.segment.number} of ${report.segment.of})` : '';
    out(`Run ${runId}: ${report.status}${segment} — ${counts.map(([s, n]) => `${n} ${s}`).join(', ')}`);
    for (const b of report.batches) out(`  batch ${b.id.padEnd(4)} ${b.state.padEnd(8)} ${b.label}`);
    const running = report.tasks.filter((t) => t.status === 'running');
    if (running.length) out(`  running: ${running.map((t) => `${t.id} (${t.title})`).join(', ')}`);
    for (const t of report.tasks.filter((x) => x.status === 'awaiting-approval'))
      out(`  ${t.id} (${t.title}) waits for approval: flotilla approve ${runId} ${t.id}`);
    if (['completed', 'failed'].includes(report.status)) for (const line of summaryLines(report)) out(line);
    return 0;
  },
};
