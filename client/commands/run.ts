import { ParsedArgs, stringFlag } from '../args';
import { connectClient, uiBaseFor, webUiUrl } from '../connection';
import { followRun, summaryLines } from '../follow-run';
import { runSettingsFrom } from '../run-settings';
import { startRun } from '../start-run';

/** `flotilla run --repo DIR [--wait] …`: starts a run on the server (a worker must be running). */
export async function runCommand(args: ParsedArgs, out: (s: string) => void): Promise<number> {
  const settings = runSettingsFrom(args, stringFlag(args, 'repo') ?? '.');
  const { client, connection, settings: conn } = await connectClient(stringFlag(args, 'address'));
  try {
    const handle = await startRun(client, settings);
    out(`Started run ${settings.runId} (workflow ${handle.workflowId}) on ${settings.repoPath}`);
    const ui = webUiUrl(uiBaseFor(conn.address), conn.namespace, handle.workflowId);
    if (ui) out(`Web UI: ${ui}`);
    if (args.flags.wait !== true) {
      out(`Follow it with: npx flotilla status ${settings.runId}`);
      return 0;
    }
    const report = await followRun(client, handle.workflowId, out);
    for (const line of summaryLines(report)) out(line);
    return report.status === 'completed' ? 0 : 1;
  } finally {
    await connection.close();
  }
}
