import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import * as path from 'node:path';
import { projectRoot } from '../dev/temporal-cli';
import { DevServer, startDevServer } from '../dev/temporal-server';
import { resolveModelAccess } from './model-access';
import { createFlotillaWorkers, FlotillaWorkers } from '../worker/worker';
import { runsThisCodeCannotContinue } from '../worker/replay-check';
import { connectClient, ConnectionOptions, temporalSettings } from './connection';

export interface LocalStack {
  address: string;
  namespace: string;
  uiUrl: string | null;
  worker: FlotillaWorkers | null;
  /** Resolves when the worker stops. */
  workerDone: Promise<void>;
  stop(): Promise<void>;
}

let runtimeInstalled = false;

/** Says, at start, which runs in flight were started by a Flotilla version this one cannot continue, and what to do. */
async function warnAboutRunsItCannotContinue(conn: ConnectionOptions & { address: string }, taskQueue: string, log: (s: string) => void): Promise<void> {
  const address = conn.address;
  try {
    const { client, connection } = await connectClient(conn);
    try {
      // One warning per run: its root workflow id is what comes before the first '/'.
      const byRun = new Map<string, string[]>();
      const failures = await runsThisCodeCannotContinue(client, taskQueue);
      for (const f of failures) byRun.set(f.workflowId.split('/')[0], [...(byRun.get(f.workflowId.split('/')[0]) ?? []), f.workflowId]);
      for (const [root, ids] of byRun) {
        const first = failures.find((f) => f.workflowId.startsWith(root))!;
        log(
          `Warning: run ${root.replace(/^flotilla-/, '')} was started by another version of Flotilla, which this one cannot continue (${ids.length} workflow(s), e.g. ${first.workflowId}: ${first.message}). ` +
            `Finish it with the version that started it, or end it: temporal workflow terminate --workflow-id ${root} --address ${address}`,
        );
      }
    } finally {
      await connection.close();
    }
  } catch {
    /* a check, not a duty: the worker runs either way */
  }
}

/**
 * The embedded default: a Temporal dev server (unless `temporal` or TEMPORAL_ADDRESS points elsewhere or a
 * server already listens on the port), the stand-in model when no API key is set, and a worker.
 * With `temporal` (a worker's --address/--namespace/--profile, possibly none), no server is started.
 */
export async function startLocalStack(o: { port?: number; uiPort?: number; worker: boolean; maxParallel?: number; agentRequestsPerMinute?: number; temporal?: ConnectionOptions; log: (s: string) => void }): Promise<LocalStack> {
  if (!runtimeInstalled) {
    // Activity-only workers (agents, tests) are expected to poll no workflows: drop the SDK's warning about it.
    const level = (process.env.FLOTILLA_LOG_LEVEL as 'WARN') ?? 'WARN';
    const plain = new DefaultLogger(level);
    Runtime.install({
      logger: new DefaultLogger(level, (entry) => {
        if (!entry.message.startsWith('No workflows registered')) plain.log(entry.level, entry.message, entry.meta);
      }),
    });
    runtimeInstalled = true;
  }
  const external = o.temporal !== undefined || (!!process.env.TEMPORAL_ADDRESS && o.port === undefined);
  let server: DevServer | null = null;
  let address: string;
  let uiUrl: string | null = null;
  if (external) {
    address = temporalSettings(o.temporal).address;
    o.log(`Using the Temporal server at ${address}${!o.temporal?.address && process.env.TEMPORAL_ADDRESS ? ' (TEMPORAL_ADDRESS)' : ''}`);
  } else {
    const port = o.port ?? 7233;
    server = await startDevServer({ port, uiPort: o.uiPort, dbFile: path.join(process.env.FLOTILLA_STATE_DIR ?? path.join(projectRoot(), '.flotilla'), 'temporal.db'), log: o.log });
    if (!server.process) o.log(`Using the Temporal server already running on ${server.address}`);
    address = server.address;
    uiUrl = server.uiUrl;
  }
  const conn = { ...(external ? o.temporal : {}), address };
  const namespace = temporalSettings(conn).namespace;
  let worker: FlotillaWorkers | null = null;
  let workerDone: Promise<void> = Promise.resolve();
  let connection: NativeConnection | null = null;
  let closeModel = async () => undefined as void;
  let stopping: Promise<void> | undefined;
  if (o.worker) {
    const model = await resolveModelAccess(o.log);
    if (model.standIn) closeModel = model.standIn.close;
    connection = await NativeConnection.connect({ address });
    worker = await createFlotillaWorkers({ connection, namespace, modelAccess: model.access, maxParallel: o.maxParallel, agentRequestsPerMinute: o.agentRequestsPerMinute });
    workerDone = worker.run();
    o.log(`Worker polling task queues "${worker.taskQueue}" (+ -agents, -tests) in namespace "${namespace}"`);
    void warnAboutRunsItCannotContinue(conn, worker.taskQueue, o.log);
  }
  return {
    address,
    namespace,
    uiUrl,
    worker,
    workerDone,
    // Idempotent: a signal handler and the normal exit path may both call it.
    stop() {
      stopping ??= (async () => {
        worker?.shutdown();
        await workerDone.catch(() => undefined);
        await connection?.close();
        await closeModel();
        await server?.stop();
      })();
      return stopping;
    },
  };
}
