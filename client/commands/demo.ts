import { Client, Connection } from '@temporalio/client';
import * as path from 'node:path';
import { createDemoRepo } from '../../dev/demo-repo';
import { agentRpm, intFlag, ParsedArgs, stringFlag } from '../args';
import { webUiUrl } from '../connection';
import { followRun, summaryLines } from '../follow-run';
import { startLocalStack } from '../local-stack';
import { runSettingsFrom } from '../run-settings';
import { startRun } from '../start-run';

/**
 * `flotilla demo [--dir DIR]`: creates the demo repository, starts the embedded default (dev server,
 * stand-in model, worker), plans and executes the backlog, and prints progress and the outcome.
 */
export async function demoCommand(args: ParsedArgs, out: (s: string) => void): Promise<number> {
  const dir = path.resolve(stringFlag(args, 'dir') ?? 'demo-run');
  out(`Creating the demo repository in ${dir}`);
  await createDemoRepo(dir);
  const port = args.flags.port !== undefined ? intFlag(args, 'port', 7233) : undefined;
  const uiPort = args.flags['ui-port'] !== undefined ? intFlag(args, 'ui-port', 8233) : undefined;
  const settings = runSettingsFrom(args, dir);
  const stack = await startLocalStack({ port, uiPort, worker: true, maxParallel: settings.maxParallel, agentRequestsPerMinute: agentRpm(args), log: out });
  let connection: Connection | null = null;
  try {
    connection = await Connection.connect({ address: stack.address });
    const client = new Client({ connection, namespace: stack.namespace });
    const handle = await startRun(client, settings);
    out(`Started run ${settings.runId}`);
    const ui = webUiUrl(stack.uiUrl, stack.namespace, handle.workflowId);
    if (ui) out(`Web UI: ${ui}`);
    const report = await followRun(client, handle.workflowId, out);
    for (const line of summaryLines(report)) out(line);
    if (report.branch) out(`Inspect it: git -C ${dir} log --oneline ${report.branch}`);
    return report.status === 'completed' ? 0 : 1;
  } finally {
    await connection?.close();
    await stack.stop();
  }
}
