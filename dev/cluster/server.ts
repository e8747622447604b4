// The compose file's `temporal` service without its container: `temporal-server start` as the image's
// entrypoint runs it (the config template embedded in the binary, filled from the same variables), with
// the same dynamic config file, every service bound to 127.0.0.1 and every port a free one.
import { execFile } from 'node:child_process';
import * as net from 'node:net';
import * as path from 'node:path';
import { projectRoot, temporalCliPath } from '../temporal-cli';
import { onThisPostgres } from './admin-tools';
import type { Postgres } from './postgres';
import { type Processes, tail } from './processes';
import type { TemporalBuild } from './temporal-build';

export interface TemporalServer {
  /** The frontend's gRPC address, what TEMPORAL_ADDRESS names. */
  address: string;
  /** Every port the server's four services listen on, by the variable that sets it. */
  ports: Record<string, number>;
}

/** The variables of the embedded config template that place the four services (frontend, history, matching, worker). */
export const PORT_VARIABLES = [
  'FRONTEND_GRPC_PORT',
  'FRONTEND_HTTP_PORT',
  'FRONTEND_MEMBERSHIP_PORT',
  'HISTORY_GRPC_PORT',
  'HISTORY_MEMBERSHIP_PORT',
  'MATCHING_GRPC_PORT',
  'MATCHING_MEMBERSHIP_PORT',
  'WORKER_GRPC_PORT',
  'WORKER_MEMBERSHIP_PORT',
] as const;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** True when 127.0.0.1:port can be bound now. */
function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

/**
 * A free port below 32768. The server records each service's membership port in PostgreSQL's
 * cluster_membership.rpc_port, a smallint: a port the kernel hands out (32768 and up) fails the server's start
 * with `pq: value "46439" is out of range for type smallint`. So the ports come from 20000-32767.
 */
export async function freeLowPort(taken: number[]): Promise<number> {
  for (let i = 0; i < 200; i++) {
    const port = 20000 + Math.floor(Math.random() * 12768);
    if (!taken.includes(port) && (await bindable(port))) return port;
  }
  throw new Error('no free port found between 20000 and 32767 on 127.0.0.1');
}

/** `temporal operator cluster health`: true once the frontend answers SERVING. */
export function serverHealthy(address: string): Promise<boolean> {
  return new Promise((resolve) => {
    execFile(
      temporalCliPath(),
      ['operator', 'cluster', 'health', '--address', address],
      { timeout: 10_000 },
      (err, stdout) => resolve(!err && /SERVING/.test(stdout)),
    );
  });
}

/** Starts the server on `pg` with the `temporal` service's environment, and waits until it is healthy (up to `timeoutMs`). */
export async function startTemporalServer(
  procs: Processes,
  build: TemporalBuild,
  pg: Postgres,
  composeEnv: Record<string, string>,
  workDir: string,
  timeoutMs = 180_000,
): Promise<TemporalServer> {
  const ports: Record<string, number> = {};
  for (const v of PORT_VARIABLES) ports[v] = await freeLowPort(Object.values(ports));
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    ...onThisPostgres(composeEnv, pg),
    // compose binds 0.0.0.0 inside its network and publishes on 127.0.0.1; here there is no network in between.
    BIND_ON_IP: '127.0.0.1',
    // compose mounts deploy/temporal/dynamicconfig at /etc/temporal/config/dynamicconfig, the image's working folder.
    DYNAMIC_CONFIG_FILE_PATH: path.join(
      projectRoot(),
      'deploy',
      'temporal',
      'dynamicconfig',
      path.basename(composeEnv.DYNAMIC_CONFIG_FILE_PATH ?? 'production-sql.yaml'),
    ),
    ...Object.fromEntries(Object.entries(ports).map(([k, v]) => [k, String(v)])),
  };
  const child = procs.start('temporal-server', build.server, ['start'], { env, cwd: workDir });
  const address = `127.0.0.1:${ports.FRONTEND_GRPC_PORT}`;
  const deadline = Date.now() + timeoutMs;
  while (!(await serverHealthy(address))) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(
        `temporal-server ended at start (${child.signalCode ?? `exit code ${child.exitCode}`}); its log ${procs.logFile('temporal-server')}:\n${tail(procs.logFile('temporal-server'))}`,
      );
    }
    if (Date.now() > deadline)
      throw new Error(
        `temporal-server was not healthy on ${address} within ${timeoutMs / 1000} s; its log ${procs.logFile('temporal-server')}:\n${tail(procs.logFile('temporal-server'))}`,
      );
    await sleep(500);
  }
  return { address, ports };
}
