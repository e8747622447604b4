import * as fs from 'node:fs';
import { writeReview } from '../../activities/records/review';
import { bool, type Command, CONNECTION_FLAGS, connectionFrom } from '../args';
import { fetchRunReport } from '../read-report';

/** `flotilla report RUN_ID [--json]`: writes and prints review.md (commits grouped, test evidence, rollback plan) for a run, finished or not. */
export const reportCommand: Command = {
  name: 'report',
  summary: 'review.md of a run: commits by phase and category, test evidence, rollback plan',
  details:
    'Writes review.md into the run folder (<repo>/.flotilla/runs/<runId>/) and prints it; the run may still be going. ' +
    'Run it where the repository is at the path the run was given (--repo): any worker host, with the repository on a shared path.',
  positionals: [{ name: 'RUN_ID', description: 'the run (flotilla runs lists them)' }],
  flags: {
    json: {
      type: 'boolean',
      description: 'print report.json instead of review.md (a run still going: its state now, same shape)',
    },
    ...CONNECTION_FLAGS,
  },
  examples: ['flotilla report 20250101-120000-ab12', 'flotilla report 20250101-120000-ab12 --json > report.json'],
  async run(args, out) {
    const runId = args.positionals[0];
    const report = await fetchRunReport(connectionFrom(args), runId);
    if (bool(args, 'json')) {
      // A finished run's report is read from its report.json (every task, across segments); a live one is its status.
      out(JSON.stringify(report, null, 2));
      return 0;
    }
    const file = await writeReview(report);
    out(fs.readFileSync(file, 'utf8').trimEnd());
    out(`\n(written to ${file})`);
    return 0;
  },
};
