import * as path from 'node:path';
import type { WorkflowExecutionInfo } from '@temporalio/client';
import { createAttributesCommand, FLOTILLA_REPO, FLOTILLA_STATE, FLOTILLA_STATES } from '../../core/search-attributes';
import { bool, type Command, CONNECTION_FLAGS, connectionFrom, num, str } from '../args';
import { connectClient } from '../connection';
import { checkSearchAttributes } from '../search-attributes';

const PREFIX = 'flotilla-';

/** A string literal of Temporal's list filter. */
const literal = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

/** The run's state: its FlotillaState while it is accurate (paused, awaiting-approval, aborted…), else Temporal's status. */
export function stateOf(w: Pick<WorkflowExecutionInfo, 'status' | 'typedSearchAttributes'>): string {
  const status = w.status.name.toLowerCase().replace('_', '-');
  const flotilla = w.typedSearchAttributes?.get(FLOTILLA_STATE);
  if (!flotilla) return status;
  // A terminated or timed-out run never got to set its last state.
  const live = ['running', 'paused', 'awaiting-approval'].includes(flotilla);
  return live === (status === 'running') ? flotilla : status;
}

/**
 * `flotilla runs [--running] [--state S] [--repo DIR] [--limit N] [--json]`: the most recent runs, newest
 * first, from Temporal's visibility (no worker needed): run id, state, when it started, and the repository.
 * A run cut into segments shows once, as its latest execution. --state and --repo filter on the server, on
 * Flotilla's search attributes.
 */
export const runsCommand: Command = {
  name: 'runs',
  summary: 'recent runs and their ids, newest first (no worker needed)',
  details:
    '--state and --repo filter on the server, on the FlotillaState and FlotillaRepo search attributes (the Web UI filters on them too).',
  flags: {
    running: { type: 'boolean', description: 'only the runs going on now' },
    state: { type: 'string', value: 'STATE', choices: FLOTILLA_STATES, description: 'only the runs in this state' },
    repo: { type: 'string', value: 'DIR', description: 'only the runs on this repository' },
    limit: { type: 'string', value: 'N', int: { min: 1 }, default: 20, description: 'show at most N runs' },
    json: { type: 'boolean', description: 'print a JSON array of {runId, workflowId, state, started, repo}' },
    ...CONNECTION_FLAGS,
  },
  examples: [
    'flotilla runs',
    'flotilla runs --running --json',
    'flotilla runs --state awaiting-approval --repo ../my-repo',
  ],
  async run(args, out) {
    const limit = num(args, 'limit') ?? 20;
    const running = bool(args, 'running');
    const json = bool(args, 'json');
    const state = str(args, 'state');
    const repo = str(args, 'repo');
    const { client, connection, settings } = await connectClient(connectionFrom(args));
    try {
      const filters = [
        `WorkflowType = 'flotillaRun'`,
        `ExecutionStatus ${running ? "= 'Running'" : "!= 'ContinuedAsNew'"}`,
      ];
      if (state !== undefined || repo !== undefined) {
        const check = await checkSearchAttributes(client);
        if (!check.registered) {
          throw new Error(
            `--state and --repo need Flotilla's search attributes, which namespace "${settings.namespace}" ${check.error ? `could not list (${check.error})` : `lacks (${check.missing.join(', ')})`}. ` +
              `Register them with: ${createAttributesCommand(settings.namespace, check.missing)} (runs started after that carry them)`,
          );
        }
        if (state !== undefined) filters.push(`${FLOTILLA_STATE.name} = ${literal(state)}`);
        if (repo !== undefined) filters.push(`${FLOTILLA_REPO.name} = ${literal(path.resolve(repo))}`);
      }
      const rows: { runId: string; workflowId: string; state: string; started: string; repo: string }[] = [];
      for await (const w of client.workflow.list({ query: filters.join(' AND ') })) {
        if (!w.workflowId.startsWith(PREFIX)) continue;
        const repoPath =
          typeof w.memo?.repoPath === 'string' ? w.memo.repoPath : (w.typedSearchAttributes?.get(FLOTILLA_REPO) ?? '');
        rows.push({
          runId: w.workflowId.slice(PREFIX.length),
          workflowId: w.workflowId,
          state: stateOf(w),
          started: w.startTime.toISOString(),
          repo: repoPath,
        });
        if (rows.length >= limit) break;
      }
      if (json) {
        out(JSON.stringify(rows, null, 2));
        return 0;
      }
      if (rows.length) out(`${'RUN'.padEnd(26)} ${'STATE'.padEnd(17)} ${'STARTED'.padEnd(20)} REPOSITORY`);
      for (const r of rows)
        out(
          `${r.runId.padEnd(26)} ${r.state.padEnd(17)} ${r.started.slice(0, 19).replace('T', ' ').padEnd(20)} ${r.repo}`,
        );
      const filtered = state !== undefined || repo !== undefined;
      if (rows.length === 0)
        out(
          filtered
            ? 'No run matches.'
            : running
              ? 'No run is going on.'
              : 'No runs yet. Start one: npx flotilla run --repo <your repo> --wait',
        );
      else
        out(
          `Details: flotilla status <run>, live: flotilla watch <run>; after a crash, start a worker (npx flotilla worker, or npx flotilla dev) and the runs go on.`,
        );
      return 0;
    } finally {
      await connection.close();
    }
  },
};
