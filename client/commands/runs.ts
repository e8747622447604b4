import { ParsedArgs, intFlag, stringFlag } from '../args';
import { connectClient } from '../connection';

const PREFIX = 'flotilla-';

/**
 * `flotilla runs [--running] [--limit N]`: the most recent runs, newest first, from Temporal's visibility
 * (no worker needed): run id, state, when it started, and the repository. A run cut into segments shows
 * once, as its latest execution.
 */
export async function runsCommand(args: ParsedArgs, out: (s: string) => void): Promise<number> {
  const limit = intFlag(args, 'limit', 20);
  const running = args.flags.running === true;
  const { client, connection } = await connectClient(stringFlag(args, 'address'));
  try {
    const query = `WorkflowType = 'flotillaRun' AND ExecutionStatus ${running ? "= 'Running'" : "!= 'ContinuedAsNew'"}`;
    let shown = 0;
    for await (const w of client.workflow.list({ query })) {
      if (!w.workflowId.startsWith(PREFIX)) continue;
      if (shown === 0) out(`${'RUN'.padEnd(26)} ${'STATE'.padEnd(11)} ${'STARTED'.padEnd(20)} REPOSITORY`);
      const repo = typeof w.memo?.repoPath === 'string' ? w.memo.repoPath : '';
      out(`${w.workflowId.slice(PREFIX.length).padEnd(26)} ${w.status.name.toLowerCase().replace('_', '-').padEnd(11)} ${w.startTime.toISOString().slice(0, 19).replace('T', ' ').padEnd(20)} ${repo}`);
      if (++shown >= limit) break;
    }
    if (shown === 0) out(running ? 'No run is going on.' : 'No runs yet. Start one: npx flotilla run --repo <your repo> --wait');
    else out(`Details: flotilla status <run>; after a crash, start a worker (npx flotilla worker, or npx flotilla dev) and the runs go on.`);
    return 0;
  } finally {
    await connection.close();
  }
}
