import { bool, Command, CONNECTION_FLAGS, connectionFrom, num } from '../args';
import { connectClient } from '../connection';

const PREFIX = 'flotilla-';

/**
 * `flotilla runs [--running] [--limit N] [--json]`: the most recent runs, newest first, from Temporal's
 * visibility (no worker needed): run id, state, when it started, and the repository. A run cut into
 * segments shows once, as its latest execution.
 */
export const runsCommand: Command = {
  name: 'runs',
  summary: 'recent runs and their ids, newest first (no worker needed)',
  flags: {
    running: { type: 'boolean', description: 'only the runs going on now' },
    limit: { type: 'string', value: 'N', int: { min: 1 }, default: 20, description: 'show at most N runs' },
    json: { type: 'boolean', description: 'print a JSON array of {runId, workflowId, state, started, repo}' },
    ...CONNECTION_FLAGS,
  },
  examples: ['flotilla runs', 'flotilla runs --running --json'],
  async run(args, out) {
    const limit = num(args, 'limit') ?? 20;
    const running = bool(args, 'running');
    const json = bool(args, 'json');
    const { client, connection } = await connectClient(connectionFrom(args));
    try {
      const query = `WorkflowType = 'flotillaRun' AND ExecutionStatus ${running ? "= 'Running'" : "!= 'ContinuedAsNew'"}`;
      const rows: { runId: string; workflowId: string; state: string; started: string; repo: string }[] = [];
      for await (const w of client.workflow.list({ query })) {
        if (!w.workflowId.startsWith(PREFIX)) continue;
        const repo = typeof w.memo?.repoPath === 'string' ? w.memo.repoPath : '';
        rows.push({ runId: w.workflowId.slice(PREFIX.length), workflowId: w.workflowId, state: w.status.name.toLowerCase().replace('_', '-'), started: w.startTime.toISOString(), repo });
        if (rows.length >= limit) break;
      }
      if (json) {
        out(JSON.stringify(rows, null, 2));
        return 0;
      }
      if (rows.length) out(`${'RUN'.padEnd(26)} ${'STATE'.padEnd(11)} ${'STARTED'.padEnd(20)} REPOSITORY`);
      for (const r of rows) out(`${r.runId.padEnd(26)} ${r.state.padEnd(11)} ${r.started.slice(0, 19).replace('T', ' ').padEnd(20)} ${r.repo}`);
      if (rows.length === 0) out(running ? 'No run is going on.' : 'No runs yet. Start one: npx flotilla run --repo <your repo> --wait');
      else out(`Details: flotilla status <run>; after a crash, start a worker (npx flotilla worker, or npx flotilla dev) and the runs go on.`);
      return 0;
    } finally {
      await connection.close();
    }
  },
};
