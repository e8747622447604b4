import type { Connection } from '@temporalio/client';
import * as path from 'node:path';
import { createDemoRepo } from '../../dev/demo-repo';
import { bool, type Command, num, str } from '../args';
import { connectClient, webUiUrl } from '../connection';
import { summaryLines, watchRun } from '../follow-run';
import { startLocalStack } from '../local-stack';
import { RUN_FLAGS, runSettingsFrom } from '../run-settings';
import { startRun } from '../start-run';
import { AGENT_RPM_FLAG, LOCAL_STACK_FLAGS, STAND_IN_FLAG } from './worker';

/**
 * `flotilla demo [--dir DIR]`: creates the demo repository, starts the embedded default (dev server,
 * stand-in model, worker), plans and executes the backlog, and prints progress and the outcome.
 */
export const demoCommand: Command = {
  name: 'demo',
  summary: 'the whole job on a demo repository, offline (dev server, Web UI, worker, stand-in model)',
  details: 'Exits 0 when the run completed (skipped tasks are not a failure), 1 when it failed.',
  flags: {
    dir: { type: 'string', value: 'DIR', default: 'demo-run', description: 'where to create the demo repository' },
    ...LOCAL_STACK_FLAGS,
    'agent-rpm': AGENT_RPM_FLAG,
    'stand-in': STAND_IN_FLAG,
    ...RUN_FLAGS,
  },
  examples: ['flotilla demo', 'flotilla demo --dir /tmp/demo --port 7300'],
  async run(args, out) {
    const dir = path.resolve(str(args, 'dir') ?? 'demo-run');
    out(`Creating the demo repository in ${dir}`);
    await createDemoRepo(dir);
    const settings = runSettingsFrom(args, dir);
    const stack = await startLocalStack({
      port: num(args, 'port'),
      uiPort: num(args, 'ui-port'),
      worker: true,
      maxParallel: settings.maxParallel,
      agentRequestsPerMinute: num(args, 'agent-rpm'),
      standIn: bool(args, 'stand-in'),
      log: out,
    });
    let connection: Connection | null = null;
    try {
      // The stack's settings carry the cluster's TLS and API key when it is not the local dev server.
      const connected = await connectClient(stack.settings);
      connection = connected.connection;
      const client = connected.client;
      const handle = await startRun(client, settings, undefined, out);
      out(`Started run ${settings.runId}`);
      const ui = webUiUrl(stack.uiUrl, stack.namespace, handle.workflowId);
      if (ui) out(`Web UI: ${ui}`);
      const report = await watchRun(client, handle.workflowId, out, {
        // The demo's worker stops with this process: the run waits on the dev server for the next one.
        interruptMessage: `Stopped. Run ${settings.runId} is kept by the dev server: start \`npx flotilla dev\` and it goes on (watch it: npx flotilla watch ${settings.runId})`,
      });
      for (const line of summaryLines(report)) out(line);
      if (report.branch) out(`Inspect it: git -C ${dir} log --oneline ${report.branch}`);
      return report.status === 'completed' ? 0 : 1;
    } finally {
      await connection?.close();
      await stack.stop();
    }
  },
};
