import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Fault } from '../../dev/stand-in-faults';
import { startStandInModel, type StandInModel } from '../../dev/stand-in-model';
import { createFlotillaWorkers } from '../../worker/worker';

let runtimeReady = false;

export interface TestWorker {
  client: Client;
  taskQueue: string;
  worktreeRoot: string;
  standIn: StandInModel;
  stop(): Promise<void>;
}

/** A worker on its own task queue against the suite's Temporal dev server, with the stand-in model. */
export interface TestWorkerOptions {
  latencyMs?: number;
  faults?: Fault[];
  recordRequests?: boolean;
  apiKey?: string;
  /** --agent-rpm: the shared agents queue's server-side rate, in model requests per minute. */
  agentRequestsPerMinute?: number;
  /** A Temporal server of the test's own (default: the suite's, FLOTILLA_TEST_TEMPORAL). */
  address?: string;
  /** The worker's sandbox floor (flotilla worker --sandbox). */
  sandboxFloor?: 'auto' | 'required' | 'off';
  /** --agent-slots (default: the worker's default). */
  agentSlots?: number;
}

export async function startTestWorker(opts: TestWorkerOptions = {}): Promise<TestWorker> {
  const address = opts.address ?? process.env.FLOTILLA_TEST_TEMPORAL;
  if (!address)
    throw new Error(
      'FLOTILLA_TEST_TEMPORAL is not set: run the tests through jest (test/global-setup.ts starts the server)',
    );
  if (!runtimeReady) {
    Runtime.install({ logger: new DefaultLogger('WARN') });
    runtimeReady = true;
  }
  const standIn = await startStandInModel({
    latencyMs: opts.latencyMs,
    faults: opts.faults,
    recordRequests: opts.recordRequests,
  });
  const taskQueue = `test-${Math.random().toString(36).slice(2)}`;
  const worktreeRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-wt-'));
  const native = await NativeConnection.connect({ address });
  const worker = await createFlotillaWorkers({
    connection: native,
    namespace: 'default',
    taskQueue,
    modelAccess: { apiKey: opts.apiKey ?? 'test-key', baseURL: standIn.url },
    standIn: 'the tests run it',
    worktreeRoot,
    agentRequestsPerMinute: opts.agentRequestsPerMinute,
    sandboxFloor: opts.sandboxFloor,
    ...(opts.agentSlots ? { maxParallel: opts.agentSlots } : {}),
  });
  const running = worker.run();
  const connection = await Connection.connect({ address });
  return {
    client: new Client({ connection, namespace: 'default' }),
    taskQueue,
    worktreeRoot,
    standIn,
    async stop() {
      worker.shutdown();
      await running;
      await native.close();
      await connection.close();
      await standIn.close();
    },
  };
}

/** Starts a test worker before the file's tests and stops it after; returns a getter for it. */
export function useTestWorker(opts: TestWorkerOptions = {}): () => TestWorker {
  let tw: TestWorker | undefined;
  beforeAll(async () => {
    tw = await startTestWorker(opts);
  }, 120_000);
  afterAll(async () => {
    await tw?.stop();
  });
  return () => {
    if (!tw) throw new Error('the test worker did not start (see beforeAll)');
    return tw;
  };
}
