// The compose file's two admin-tools steps, run here with the very scripts it mounts into the
// temporalio/admin-tools image (deploy/temporal/*.sh): the same commands are put on their PATH instead.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { projectRoot, temporalCliPath } from '../temporal-cli';
import type { Postgres } from './postgres';
import type { Processes } from './processes';
import type { TemporalBuild } from './temporal-build';

/** `nc -z HOST PORT`, which the scripts wait with (busybox nc in the image), in bash. */
const NC = `#!/usr/bin/env bash
# nc -z HOST PORT: exit 0 when the port accepts a connection (all the compose scripts ask of nc).
[ "$1" = -z ] && shift
exec 3<>"/dev/tcp/$1/$2"
`;

/** A folder with what admin-tools has on its PATH: temporal-sql-tool, temporal (the CLI), nc. */
export function adminToolsBin(dir: string, build: TemporalBuild): string {
  fs.mkdirSync(dir, { recursive: true });
  fs.symlinkSync(build.sqlTool, path.join(dir, 'temporal-sql-tool'));
  fs.symlinkSync(temporalCliPath(), path.join(dir, 'temporal'));
  fs.writeFileSync(path.join(dir, 'nc'), NC, { mode: 0o755 });
  return dir;
}

/** A clean environment: a PATH with the admin-tools commands, and the compose service's variables. */
function env(bin: string, vars: Record<string, string>): NodeJS.ProcessEnv {
  return { PATH: `${bin}:${process.env.PATH ?? '/usr/bin:/bin'}`, HOME: process.env.HOME ?? '/tmp', ...vars };
}

/** What the compose network changes: PostgreSQL is not `postgresql:5432` but this address. */
export function onThisPostgres(composeEnv: Record<string, string>, pg: Postgres): Record<string, string> {
  return { ...composeEnv, POSTGRES_SEEDS: pg.host, DB_PORT: String(pg.port) };
}

/**
 * The `temporal-schema` service (its environment from docker-compose.yml): creates the databases `temporal`
 * and `temporal_visibility` and applies every schema version, from the module's own copy of the schema.
 */
export async function setupSchema(
  procs: Processes,
  bin: string,
  build: TemporalBuild,
  pg: Postgres,
  composeEnv: Record<string, string>,
): Promise<void> {
  const script = path.join(projectRoot(), 'deploy', 'temporal', 'setup-postgres.sh');
  await procs.run('temporal-schema', 'sh', [script], {
    env: env(bin, { ...onThisPostgres(composeEnv, pg), TEMPORAL_SCHEMA_DIR: build.schemaDir }),
    timeoutMs: 300_000,
  });
}

/** The `temporal-setup` service: waits for the server, creates the namespace and registers Flotilla's search attributes. */
export async function setupNamespace(
  procs: Processes,
  bin: string,
  address: string,
  composeEnv: Record<string, string>,
): Promise<void> {
  const script = path.join(projectRoot(), 'deploy', 'temporal', 'setup-namespace.sh');
  await procs.run('temporal-setup', 'sh', [script], {
    env: env(bin, { ...composeEnv, TEMPORAL_ADDRESS: address }),
    timeoutMs: 300_000,
  });
}
