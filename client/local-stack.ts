import { DefaultLogger, type LogLevel, NativeConnection, Runtime } from '@temporalio/worker';
import * as path from 'node:path';
import { stateDir } from '../dev/temporal-cli';
import { sdkLogFunction } from './sdk-log';
import { type DevServer, startDevServer } from '../dev/temporal-server';
import { resolveModelAccess } from './model-access';
import { createFlotillaWorkers, type FlotillaWorkers } from '../worker/worker';
import { bundleWorkflows, runsThisCodeCannotContinue } from '../worker/replay-check';
import {
  connectClient,
  localServerSettings,
  type TemporalConnectionSettings,
  type TemporalOverrides,
  temporalSettings,
  unreachableServer,
} from './connection';
import type { SandboxMode } from '../core/types';

export interface LocalStack {
  address: string;
  namespace: string;
  /** How to connect to the server in use (TLS, API key, headers for a configured cluster): `connectClient(stack.settings)`. */
  settings: TemporalConnectionSettings;
  uiUrl: string | null;
  worker: FlotillaWorkers | null;
  /** Resolves when the worker stops. */
  workerDone: Promise<void>;
  stop(): Promise<void>;
}

let runtimeInstalled = false;

/** Says, at start, which runs in flight were started by a Flotilla version this one cannot continue, and what to do. */
async function warnAboutRunsItCannotContinue(
  settings: TemporalConnectionSettings,
  taskQueue: string,
  workflowBundle: { code: string },
  log: (s: string) => void,
): Promise<void> {
  // The temporal CLI reads the same TEMPORAL_* variables and profile; a local dev server needs its address.
  const where = settings.addressConfigured ? `--namespace ${settings.namespace}` : `--address ${settings.address}`;
  try {
    const { client, connection } = await connectClient(settings);
    try {
      // One warning per run: its root workflow id is what comes before the first '/'.
      const byRun = new Map<string, string[]>();
      const failures = await runsThisCodeCannotContinue(client, taskQueue, { workflowBundle });
      for (const f of failures)
        byRun.set(f.workflowId.split('/')[0], [...(byRun.get(f.workflowId.split('/')[0]) ?? []), f.workflowId]);
      for (const [root, ids] of byRun) {
        const first = failures.find((f) => f.workflowId.startsWith(root))!;
        log(
          `Warning: run ${root.replace(/^flotilla-/, '')} was started by another version of Flotilla, which this one cannot continue (${ids.length} workflow(s), e.g. ${first.workflowId}: ${first.message}). ` +
            `Finish it with the version that started it, or end it: temporal workflow terminate --workflow-id ${root} ${where}`,
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
 * The embedded default: the Temporal server that Temporal's environment configuration names
 * (TEMPORAL_ADDRESS, or the address of the TOML profile: TEMPORAL_CONFIG_FILE, TEMPORAL_PROFILE), connected
 * with its TLS, API key and headers; else a local dev server on `port` (reusing one already listening there).
 * Then the model (the stand-in when asked for or when ANTHROPIC_API_KEY is not set), and a worker.
 */
export async function startLocalStack(o: {
  port?: number;
  uiPort?: number;
  worker: boolean;
  maxParallel?: number;
  /** Agent activity starts per minute across all workers (the agents queue's server-side rate limit). */
  agentRequestsPerMinute?: number;
  /** The stand-in model even when ANTHROPIC_API_KEY is set (--stand-in). */
  standIn?: boolean;
  /** Overrides on top of the environment configuration (an address here counts as an external server). */
  temporal?: TemporalOverrides;
  /** Never start a dev server (a plain `flotilla worker`): connect to the configured or default address. */
  external?: boolean;
  /** The workflows' task queue (default FLOTILLA_TASK_QUEUE, else "flotilla"). */
  taskQueue?: string;
  /** The worker's sandbox floor (`flotilla worker --sandbox`) and the variables its commands get (--pass-env). */
  sandboxFloor?: SandboxMode;
  passEnv?: string[];
  log: (s: string) => void;
}): Promise<LocalStack> {
  if (!runtimeInstalled) {
    // The SDK's log goes to a file; the terminal gets one readable line per warning (an activity that failed
    // and will be retried: its type, workflow, attempt and error), never a stack trace among the progress lines.
    const level = (process.env.FLOTILLA_LOG_LEVEL?.toUpperCase() as LogLevel | undefined) ?? 'INFO';
    const logFile = path.join(stateDir(), 'logs', 'worker.log');
    Runtime.install({
      logger: new DefaultLogger(level, sdkLogFunction(logFile, o.log)),
      // The SDK core's own messages (gRPC retries…) go the same way instead of straight to the console.
      telemetryOptions: { logging: { filter: { core: 'WARN', other: 'ERROR' }, forward: {} } },
    });
    o.log(`Temporal SDK log: ${logFile}`);
    runtimeInstalled = true;
  }
  const configured = temporalSettings(o.temporal);
  let server: DevServer | null = null;
  let settings: TemporalConnectionSettings;
  let uiUrl: string | null = null;
  if (configured.addressConfigured || o.external) {
    // --port picks the port of a dev server this command would start: with a server named elsewhere, it means nothing.
    if (o.port !== undefined && !o.external)
      throw new Error(
        `--port ${o.port} is for a local dev server, but ${configured.source} names the server at ${configured.address}: drop --port, or unset ${configured.source === 'TEMPORAL_ADDRESS' ? 'TEMPORAL_ADDRESS' : 'the address'} to start a dev server on that port`,
      );
    settings = configured;
    const auth = [settings.connectionOptions.tls ? 'TLS' : '', settings.connectionOptions.apiKey ? 'API key' : '']
      .filter(Boolean)
      .join(', ');
    o.log(
      `Using the Temporal server at ${settings.address}, namespace "${settings.namespace}" (from ${settings.source}${auth ? `; ${auth}` : ''})`,
    );
  } else {
    const port = o.port ?? 7233;
    // One partition per task queue: a single-process dev server gains nothing from more, and --agent-rpm (the
    // shared agents queue's rate) is then exact instead of shared out among partitions.
    server = await startDevServer({
      port,
      uiPort: o.uiPort,
      dbFile: path.join(stateDir(), 'temporal.db'),
      log: o.log,
      taskQueuePartitions: 1,
    });
    if (!server.process) o.log(`Using the Temporal server already running on ${server.address}`);
    settings = localServerSettings(server.address, configured.namespace);
    uiUrl = server.uiUrl;
  }
  const { address, namespace } = settings;
  let worker: FlotillaWorkers | null = null;
  let workerDone: Promise<void> = Promise.resolve();
  let connection: NativeConnection | null = null;
  let closeModel = async () => undefined as void;
  let stopping: Promise<void> | undefined;
  if (o.worker) {
    let workflowBundle: Awaited<ReturnType<typeof bundleWorkflows>>;
    try {
      const model = await resolveModelAccess(o.log, { standIn: o.standIn });
      if (model.standIn) closeModel = model.standIn.close;
      const s = settings;
      connection = await NativeConnection.connect(settings.connectionOptions).catch((err: unknown) => {
        throw server ? err : unreachableServer(s, err);
      });
      // One bundle per process: the worker runs it and the replay check below replays the runs in flight with it.
      workflowBundle = await bundleWorkflows();
      worker = await createFlotillaWorkers({
        connection,
        namespace,
        taskQueue: o.taskQueue,
        modelAccess: model.access,
        ...(model.standInReason ? { standIn: model.standInReason } : {}),
        maxParallel: o.maxParallel,
        agentRequestsPerMinute: o.agentRequestsPerMinute,
        workflowBundle,
        sandboxFloor: o.sandboxFloor,
        passEnv: o.passEnv,
        temporalAddress: address,
      });
    } catch (err) {
      // A worker that cannot start takes down what this call started (no orphaned dev server or stand-in model).
      await connection?.close().catch(() => undefined);
      await closeModel().catch(() => undefined);
      await server?.stop().catch(() => undefined);
      throw err;
    }
    workerDone = worker.run();
    o.log(
      `Worker polling task queues "${worker.taskQueue}" (+ -agents, -tests) and its own "${worker.hostQueue}" (+ -agents, -tests) in namespace "${namespace}"`,
    );
    o.log(
      `Worker slots: ${worker.agentSlots} agent slots (model turns at once${o.maxParallel === undefined ? '; the default: agents mostly wait on the network, --agent-slots N changes it' : ''}), ${worker.testSlots} test slots (the cores)`,
    );
    void warnAboutRunsItCannotContinue(settings, worker.taskQueue, workflowBundle, o.log);
  }
  return {
    address,
    namespace,
    settings,
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
