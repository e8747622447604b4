import { type Command, CONNECTION_FLAGS, connectionFrom } from '../args';
import { connectClient, uiBaseFor, webUiUrl } from '../connection';
import { summaryLines, watchRun } from '../follow-run';
import { readRunReport } from '../read-report';
import { runWorkflowId } from '../start-run';

/** `flotilla watch RUN_ID`: follows a run until it ends, as `run --wait` does; a run that has ended gets its summary. */
export const watchCommand: Command = {
  name: 'watch',
  summary: 'follow a run live until it ends (Ctrl-C stops watching, not the run)',
  details:
    'On a terminal the view is redrawn in place: overall progress, and for each running task its step (agent turn n,\n' +
    'testing, reviewing, committing, waiting for approval) and its cost so far; elsewhere, a line per batch and progress\n' +
    'every 15 s. Exits 0 when the run completed, 1 when it failed or was aborted, or when no worker polls its task\n' +
    'queue for 10 s (start one: flotilla worker, or flotilla dev). A run that has ended prints its summary.',
  positionals: [{ name: 'RUN_ID', description: 'the run (flotilla runs lists them)' }],
  flags: { ...CONNECTION_FLAGS },
  examples: [
    'flotilla watch 20250101-120000-ab12',
    'flotilla watch 20250101-120000-ab12 --address temporal.internal:7233',
  ],
  async run(args, out) {
    const runId = args.positionals[0];
    const workflowId = runWorkflowId(runId);
    const { client, connection, settings } = await connectClient(connectionFrom(args));
    try {
      const description = await client.workflow
        .getHandle(workflowId)
        .describe()
        .catch((err: Error) => {
          throw new Error(
            `Could not find run ${runId}: ${err.message.split('\n')[0]}. Check the run id (flotilla runs lists them).`,
          );
        });
      let report;
      if (description.status.name !== 'RUNNING') {
        report = await readRunReport(client, runId);
        out(`Run ${runId} has ended.`);
      } else {
        const ui = webUiUrl(uiBaseFor(settings.address), settings.namespace, workflowId);
        out(`Watching run ${runId}${ui ? ` (Web UI: ${ui})` : ''}`);
        report = await watchRun(client, workflowId, out);
      }
      for (const line of summaryLines(report)) out(line);
      return report.status === 'completed' ? 0 : 1;
    } finally {
      await connection.close();
    }
  },
};
