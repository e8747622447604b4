import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { type Client, WorkflowFailedError } from '@temporalio/client';
import type { RunReport } from '../core/types';
import { runDir } from '../activities/run-paths';
import { statusQuery } from '../workflows/run-messages';
import { connectClient, type ConnectionOptions } from './connection';
import { runWorkflowId } from './start-run';

/**
 * A run's report: live from its status query, or, for a finished run when no worker is up to answer
 * queries, from the workflow's result (or the report attached to its failure).
 */
export async function readRunReport(client: Client, runId: string): Promise<RunReport> {
  const handle = client.workflow.getHandle(runWorkflowId(runId));
  const description = await handle.describe().catch((err: Error) => {
    throw new Error(
      `Could not find run ${runId}: ${err.message.split('\n')[0]}. Check the run id (flotilla-<runId> in the Web UI).`,
    );
  });
  if (description.status.name === 'RUNNING') {
    return handle.query(statusQuery).catch((err: Error) => {
      throw new Error(
        `Run ${runId} is running but no worker answered (${err.message.split('\n')[0]}). Start one: npx flotilla worker`,
      );
    });
  }
  let report: RunReport | undefined;
  try {
    report = (await handle.result()) as RunReport;
  } catch (err) {
    const details =
      err instanceof WorkflowFailedError ? (err.cause as { details?: unknown[] } | undefined)?.details : undefined;
    report = details?.[0] as RunReport | undefined;
    if (!report?.runId)
      throw new Error(
        `Run ${runId} ended ${description.status.name.toLowerCase()} without a report: ${(err as Error).message.split('\n')[0]}`,
      );
  }
  return withAllTasks(report);
}

/**
 * The workflow's result holds only what the run kept in memory (its last segment, what did not commit);
 * report.json in the run folder, written at the end, has every task. Read it when this machine can.
 */
async function withAllTasks(report: RunReport): Promise<RunReport> {
  const file = path.join(runDir(report.repoPath, report.runId), 'report.json');
  const full = await fs
    .readFile(file, 'utf8')
    .then((t) => JSON.parse(t) as RunReport)
    .catch(() => null);
  return full?.runId === report.runId ? full : report;
}

/** Connects (envconfig, or --address/--namespace/--profile), reads the run's report, and closes the connection. */
export async function fetchRunReport(conn: ConnectionOptions, runId: string): Promise<RunReport> {
  const { client, connection } = await connectClient(conn);
  try {
    return await readRunReport(client, runId);
  } finally {
    await connection.close();
  }
}
