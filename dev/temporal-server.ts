import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { Connection } from '@temporalio/client';
import { temporalCliPath } from './temporal-cli';
import { DEV_SERVER_ATTRIBUTE_FLAGS } from '../core/search-attributes';

export interface DevServer {
  address: string;
  uiUrl: string | null;
  /** null when an already running server was reused. */
  process: ChildProcess | null;
  stop(): Promise<void>;
}

export function portOpen(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.setTimeout(1000, () => {
      socket.destroy();
      resolve(false);
    });
  });
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** Whether the server at `address` answers a client (the SDK's connect asks GetSystemInfo). */
async function frontendServes(address: string): Promise<boolean> {
  try {
    const connection = await Connection.connect({ address, connectTimeout: 2_000 });
    await connection.close();
    return true;
  } catch {
    return false;
  }
}

/**
 * The dev server has one history shard, whose transfer queue (every workflow task, activity task, child start
 * and signal passes through it) is read at most 20 times a second by default: each hop of a workflow waited
 * ~45 ms for it, even on an idle machine. Read up to 200 times a second, a hop waits 5 ms at most: a backlog of
 * sequential tasks runs about 4× faster (`npm run bench:run`, BENCHMARKS.md).
 */
export const DEV_SERVER_TUNING_FLAGS = ['--dynamic-config-value', 'history.transferProcessorMaxPollRPS=200'];

/**
 * A dev server's database file in SQLite's write-ahead log with `synchronous=normal`: a commit appends to the log
 * without waiting for the disk (fsync at checkpoints only). With the default (a rollback journal, fsync on every
 * commit), every write of every workflow hop waited for the disk, one at a time: 52–59 ms per workflow start or
 * signal against 15–19 ms here (2 cores, loaded). The database stays consistent; a crash of the server process
 * loses nothing, a power cut the last moments at most (runs go on from what was written).
 */
export const DEV_SERVER_FILE_DB_FLAGS = [
  '--sqlite-pragma',
  'journal_mode=wal',
  '--sqlite-pragma',
  'synchronous=normal',
];

/**
 * Starts `temporal server start-dev` bound to 127.0.0.1, with Flotilla's search attributes registered (SQLite at `dbFile` so runs survive a restart; Web UI unless headless)
 * and waits until its gRPC port answers. Reuses a server already listening on the port.
 *
 * `taskQueuePartitions`: how many partitions each task queue has (the server's default is 4). A queue's
 * server-side rate limit (--agent-rpm) is shared out among its partitions, each a token bucket of its own:
 * with one partition the rate is exact; with four, a lone agent's requests get a quarter of it and up to four
 * may go at once.
 */
export async function startDevServer(opts: {
  port: number;
  uiPort?: number;
  dbFile?: string;
  headless?: boolean;
  log?: (line: string) => void;
  taskQueuePartitions?: number;
}): Promise<DevServer> {
  const host = '127.0.0.1';
  const address = `${host}:${opts.port}`;
  const uiPort = opts.uiPort ?? opts.port + 1000;
  const uiUrl = opts.headless ? null : `http://localhost:${uiPort}`;
  if (await portOpen(host, opts.port)) {
    return { address, uiUrl, process: null, stop: async () => undefined };
  }
  // Flotilla's search attributes (FlotillaRunId, FlotillaRepo, FlotillaState) are registered at start, for the Web UI's filters.
  const args = [
    'server',
    'start-dev',
    '--ip',
    host,
    '--port',
    String(opts.port),
    '--log-level',
    'error',
    ...DEV_SERVER_ATTRIBUTE_FLAGS,
    ...DEV_SERVER_TUNING_FLAGS,
  ];
  if (opts.dbFile) {
    fs.mkdirSync(path.dirname(opts.dbFile), { recursive: true });
    args.push('--db-filename', opts.dbFile, ...DEV_SERVER_FILE_DB_FLAGS);
  }
  if (opts.taskQueuePartitions) {
    for (const key of ['matching.numTaskqueueReadPartitions', 'matching.numTaskqueueWritePartitions'])
      args.push('--dynamic-config-value', `${key}=${opts.taskQueuePartitions}`);
  }
  if (opts.headless) args.push('--headless');
  // Loopback only, for the Web UI too: the dev server has no TLS and no authorization.
  else args.push('--ui-ip', host, '--ui-port', String(uiPort), '--ui-disable-news-fetch');
  const child = spawn(temporalCliPath(), args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  let exited: number | null = null;
  child.on('exit', (code) => (exited = code ?? -1));
  const deadline = Date.now() + 60_000;
  // The port opens before the frontend serves: wait for both (a client that connects in between is told
  // "Frontend is not healthy yet").
  while (!(await portOpen(host, opts.port)) || !(await frontendServes(address))) {
    if (exited !== null)
      throw new Error(`temporal server start-dev exited with code ${exited}:\n${output.slice(-2000)}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`temporal server start-dev did not open ${address} within 60 s:\n${output.slice(-2000)}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  opts.log?.(
    `Temporal dev server on ${address}${uiUrl ? `, Web UI ${uiUrl}` : ''}${opts.dbFile ? `, database ${opts.dbFile}` : ''}`,
  );
  return {
    address,
    uiUrl,
    process: child,
    stop: () =>
      new Promise<void>((resolve) => {
        if (exited !== null) return resolve();
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        child.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
        child.kill('SIGTERM');
      }),
  };
}
