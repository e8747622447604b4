import { bool, type Command, CONNECTION_FLAGS, connectionFrom, str } from '../args';
import { connectClient, uiBaseFor, webUiUrl } from '../connection';
import { summaryLines, watchRun } from '../follow-run';
import { RUN_FLAGS, runSettingsFrom } from '../run-settings';
import { startRun } from '../start-run';
import { slotsWarning } from '../agent-slots';
import { DEFAULT_TASK_QUEUE } from '../../worker/task-queue';

/** `flotilla run --repo DIR [--wait] …`: starts a run on the server (a worker must be running). */
export const runCommand: Command = {
  name: 'run',
  summary: 'start a run on the Temporal server (a worker must be running: flotilla dev or flotilla worker)',
  details:
    'Without --wait it prints the run id and returns; with --wait it follows the run as flotilla watch does (live on a\n' +
    'terminal; elsewhere a line per batch, progress every 15 s) and exits 0 when the run completed (skipped tasks are not\n' +
    'a failure), 1 when it failed or was aborted, or when no worker polls its task queue for 10 s. Ctrl-C stops watching, not the run.\n' +
    "Parallelism: the run's lanes (--max-parallel) bound how many of its agents run at once (a task's tests and commit run\n" +
    "beside the next agent), and the workers' agent slots how many model turns (--agent-slots per worker on the shared agents\n" +
    'queue, where agents start, and as many on its own queue, for their later turns; shared by all runs):\n' +
    'the effective parallelism is the smaller of the two.',
  flags: {
    repo: { type: 'string', value: 'DIR', default: '.', description: 'the repository, with its task files in tasks/' },
    wait: { type: 'boolean', description: 'follow the run until it ends, and exit with its outcome' },
    ...RUN_FLAGS,
    ...CONNECTION_FLAGS,
  },
  examples: [
    'flotilla run --repo ../my-repo --wait',
    'flotilla run --repo ../my-repo --max-parallel 8 --approve high --budget-usd 5',
  ],
  async run(args, out) {
    const settings = runSettingsFrom(args, str(args, 'repo') ?? '.');
    const { client, connection, settings: conn } = await connectClient(connectionFrom(args));
    try {
      // Before the run starts (its baseline comes before any task): the workers polling now may have fewer agent slots than its lanes.
      const warning = await slotsWarning(client, DEFAULT_TASK_QUEUE, settings.maxParallel);
      if (warning) out(warning);
      const handle = await startRun(client, settings, undefined, out);
      out(`Started run ${settings.runId} (workflow ${handle.workflowId}) on ${settings.repoPath}`);
      const ui = webUiUrl(uiBaseFor(conn.address), conn.namespace, handle.workflowId);
      if (ui) out(`Web UI: ${ui}`);
      if (!bool(args, 'wait')) {
        out(`Follow it with: npx flotilla watch ${settings.runId} (or npx flotilla status ${settings.runId})`);
        return 0;
      }
      const report = await watchRun(client, handle.workflowId, out);
      for (const line of summaryLines(report)) out(line);
      return report.status === 'completed' ? 0 : 1;
    } finally {
      await connection.close();
    }
  },
};
