// The Temporal server, its schema tool and the Web UI server, built from their Go modules at the versions the
// compose file pins (what its temporalio/server, temporalio/admin-tools and temporalio/ui images ship), cached
// in .flotilla/tools/temporal-server-<version>/ (with the PostgreSQL schema of that version) and
// .flotilla/tools/temporal-ui-<version>/ (with the UI's config template).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { copyFromModule, ensureGoBuild, type GoBuild } from './go-module';
import type { Processes } from './processes';

export const SERVER_MODULE = 'go.temporal.io/server';
export const UI_MODULE = 'github.com/temporalio/ui-server/v2';

export interface TemporalBuild extends GoBuild {
  version: string;
  /** temporal-server (cmd/server) and temporal-sql-tool (cmd/tools/sql), the names the images give them. */
  server: string;
  sqlTool: string;
  /** The module's schema/postgresql/v12 (what admin-tools has in /etc/temporal/schema/postgresql/v12). */
  schemaDir: string;
}

export interface UiBuild extends GoBuild {
  version: string;
  /** ui-server (cmd/server), with the built Web UI embedded. */
  server: string;
  /** The module's config/ folder: docker.yaml is the template the temporalio/ui image starts with. */
  configDir: string;
}

/** The tag of the compose file's `repo` images; they must agree when there are several (admin-tools twice). */
export function composeImageTag(composeFile: string, repo: string): string {
  const compose = parse(fs.readFileSync(composeFile, 'utf8'), { merge: true }) as {
    services: Record<string, { image?: string }>;
  };
  const tags = [
    ...new Set(
      Object.values(compose.services).flatMap((s) =>
        s.image?.startsWith(`${repo}:`) ? [s.image.slice(repo.length + 1)] : [],
      ),
    ),
  ];
  if (tags.length !== 1)
    throw new Error(`${composeFile}: expected one tag of ${repo}, found ${tags.length ? tags.join(', ') : 'none'}`);
  return tags[0];
}

/** The server version docker-compose.yml pins: temporalio/server's tag, which must equal admin-tools' (schema and server move together). */
export function composeServerVersion(composeFile: string): string {
  const server = composeImageTag(composeFile, 'temporalio/server');
  const admin = composeImageTag(composeFile, 'temporalio/admin-tools');
  if (admin !== server)
    throw new Error(`${composeFile}: temporalio/admin-tools (${admin}) and temporalio/server (${server}) differ`);
  return server;
}

export async function ensureTemporalBuild(
  procs: Processes,
  toolsDir: string,
  version: string,
  log: (line: string) => void,
): Promise<TemporalBuild> {
  const dir = path.join(toolsDir, `temporal-server-${version}`);
  const schemaDir = path.join(dir, 'schema', 'postgresql', 'v12');
  const build = await ensureGoBuild({
    procs,
    dir,
    module: SERVER_MODULE,
    version,
    binaries: {
      [`${SERVER_MODULE}/cmd/server`]: 'temporal-server',
      [`${SERVER_MODULE}/cmd/tools/sql`]: 'temporal-sql-tool',
    },
    // As the server's Makefile builds the images' binaries: CGO off, -tags disable_grpc_modules.
    flags: ['-tags', 'disable_grpc_modules'],
    // The schema of exactly this version, kept with the binaries: a later run needs neither Go nor the module cache.
    extra: (go) => copyFromModule(go, SERVER_MODULE, version, 'schema/postgresql/v12', schemaDir),
    log,
  });
  return {
    ...build,
    version,
    server: path.join(dir, 'bin', 'temporal-server'),
    sqlTool: path.join(dir, 'bin', 'temporal-sql-tool'),
    schemaDir,
  };
}

export async function ensureUiBuild(
  procs: Processes,
  toolsDir: string,
  version: string,
  log: (line: string) => void,
): Promise<UiBuild> {
  const dir = path.join(toolsDir, `temporal-ui-${version}`);
  const configDir = path.join(dir, 'config');
  const build = await ensureGoBuild({
    procs,
    dir,
    module: UI_MODULE,
    version,
    binaries: { [`${UI_MODULE}/cmd/server`]: 'ui-server' },
    extra: (go) => copyFromModule(go, UI_MODULE, version, 'config', configDir),
    log,
  });
  return { ...build, version, server: path.join(dir, 'bin', 'ui-server'), configDir };
}
