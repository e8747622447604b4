import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { composeEnvironment, interpolate } from '../../dev/cluster/compose-env';
import { freeLowPort } from '../../dev/cluster/server';
import { composeImageTag, composeServerVersion } from '../../dev/cluster/temporal-build';
import { flotillaEnv } from '../../dev/cluster/flotilla-run';

/**
 * The pieces of `npm run cluster:smoke` (the compose topology without Docker) that need no Go build, no
 * PostgreSQL and no server: which versions it builds, its ports, and the compose file's namespace script
 * against a stand-in `temporal` command. The smoke itself is not part of `npm test` (a first Go build takes minutes).
 */
const root = path.resolve(__dirname, '../..');

describe('cluster smoke: versions from docker-compose.yml', () => {
  it('builds the server version the compose file pins, the same tag as admin-tools', () => {
    const compose = fs.readFileSync(path.join(root, 'docker-compose.yml'), 'utf8');
    const tag = /image: temporalio\/server:(\S+)/.exec(compose)![1];
    expect(composeServerVersion(path.join(root, 'docker-compose.yml'))).toBe(tag);
    expect(composeImageTag(path.join(root, 'docker-compose.yml'), 'temporalio/ui')).toBe(
      /image: temporalio\/ui:(\S+)/.exec(compose)![1],
    );
  });

  it('refuses a compose file whose admin-tools and server tags differ', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-compose-'));
    const file = path.join(dir, 'docker-compose.yml');
    fs.writeFileSync(
      file,
      'services:\n  a:\n    image: temporalio/admin-tools:1.30.0\n  b:\n    image: temporalio/server:1.31.0\n',
    );
    expect(() => composeServerVersion(file)).toThrow(
      /admin-tools \(1\.30\.0\) and temporalio\/server \(1\.31\.0\) differ/,
    );
    fs.rmSync(dir, { recursive: true });
  });
});

describe("cluster smoke: the services' environments, read from docker-compose.yml", () => {
  const compose = path.join(root, 'docker-compose.yml');
  const vars = { POSTGRES_PASSWORD: 'pw', FLOTILLA_NAMESPACE: 'ns' };

  it('interpolates as Compose does', () => {
    const v = { SET: 'x', EMPTY: '' };
    expect(interpolate('${SET}-$SET-$$SET', v)).toBe('x-x-$SET');
    expect(interpolate('${UNSET:-d}|${EMPTY:-d}|${EMPTY-d}|${UNSET-d}|${UNSET}', v)).toBe('d|d||d|');
    expect(interpolate('${SET:?needed}', v)).toBe('x');
    expect(() => interpolate('${EMPTY:?set EMPTY please}', v)).toThrow('set EMPTY please');
    expect(() => interpolate('${UNSET?}', v)).toThrow('UNSET is required');
  });

  it('gives the server, the schema step and the workers what the containers get', () => {
    expect(composeEnvironment(compose, 'postgresql', vars)).toEqual({
      POSTGRES_USER: 'temporal',
      POSTGRES_PASSWORD: 'pw',
    });
    expect(composeEnvironment(compose, 'temporal-schema', vars)).toMatchObject({
      DB: 'postgres12',
      POSTGRES_USER: 'temporal',
      POSTGRES_PWD: 'pw',
      SQL_PASSWORD: 'pw',
    });
    expect(composeEnvironment(compose, 'temporal', vars)).toMatchObject({
      DB: 'postgres12',
      POSTGRES_PWD: 'pw',
      TEMPORAL_ALLOW_NO_AUTH: 'true',
    });
    expect(composeEnvironment(compose, 'temporal-setup', vars)).toEqual({
      TEMPORAL_ADDRESS: 'temporal:7233',
      NAMESPACE: 'ns',
    });
    expect(() => composeEnvironment(compose, 'temporal', {})).toThrow(/POSTGRES_PASSWORD/);
  });

  it('never puts ANTHROPIC_API_KEY in the workers: the key is a secret file (issue 22), which the smoke has not (the stand-in)', () => {
    const worker = composeEnvironment(compose, 'worker', vars);
    expect(worker).toEqual({
      TEMPORAL_ADDRESS: 'temporal:7233',
      TEMPORAL_NAMESPACE: 'ns',
      ANTHROPIC_API_KEY_FILE: '/run/secrets/anthropic_api_key',
      FLOTILLA_SANDBOX: 'required',
      FLOTILLA_WORKTREES: '/worktrees',
    });
    expect(
      composeEnvironment(compose, 'worker', { ...vars, ANTHROPIC_API_KEY: 'sk-x' }).ANTHROPIC_API_KEY,
    ).toBeUndefined();
    expect(flotillaEnv(worker, '127.0.0.1:7233', '/state').ANTHROPIC_API_KEY_FILE).toBeUndefined();
  });
});

describe('cluster smoke: server ports', () => {
  it('are below 32768 (cluster_membership.rpc_port is a smallint) and not taken twice', async () => {
    const taken: number[] = [];
    for (let i = 0; i < 9; i++) taken.push(await freeLowPort(taken));
    expect(new Set(taken).size).toBe(9);
    for (const p of taken) expect(p >= 20000 && p <= 32767).toBe(true);
  });
});

describe('deploy/temporal/setup-namespace.sh', () => {
  /**
   * A stand-in `temporal` CLI: the server is healthy, the namespace does not exist, and after its creation the
   * search attribute calls answer "not found" twice (the frontend's namespace cache), as a real 1.31 server did.
   */
  const FAKE = `#!/bin/sh
state=$FAKE_STATE
echo "$*" >> "$state/calls"
case "$*" in
  "operator cluster health"*) echo SERVING ;;
  "operator namespace describe"*) [ -f "$state/ns" ] || { echo "Namespace not found" >&2; exit 1; } ;;
  "operator namespace create"*) touch "$state/ns" ;;
  "operator search-attribute list"*)
    n=$(cat "$state/lists" 2>/dev/null || echo 0); echo $((n + 1)) > "$state/lists"
    if [ "$n" -lt 2 ]; then echo "Error: unable to list search attributes: Namespace default is not found." >&2; exit 1; fi
    echo "       Name        Type"
    echo "  FlotillaRunId  Keyword" ;;
  "operator search-attribute create"*) echo "Search attributes have been added" ;;
  *) echo "unexpected: $*" >&2; exit 2 ;;
esac
`;

  it('waits for a new namespace to be usable, then registers only the missing attributes', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-setup-ns-'));
    fs.mkdirSync(path.join(dir, 'bin'));
    fs.writeFileSync(path.join(dir, 'bin', 'temporal'), FAKE, { mode: 0o755 });
    const r = spawnSync('sh', [path.join(root, 'deploy', 'temporal', 'setup-namespace.sh')], {
      env: {
        PATH: `${path.join(dir, 'bin')}:${process.env.PATH}`,
        TEMPORAL_ADDRESS: '127.0.0.1:7233',
        NAMESPACE: 'default',
        FAKE_STATE: dir,
      },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' });
    const calls = fs.readFileSync(path.join(dir, 'calls'), 'utf8').trim().split('\n');
    expect(calls.filter((c) => c.startsWith('operator namespace create'))).toEqual([
      'operator namespace create --namespace default --retention 30d',
    ]);
    expect(calls.filter((c) => c.startsWith('operator search-attribute list'))).toHaveLength(3);
    expect(calls.filter((c) => c.startsWith('operator search-attribute create'))).toEqual([
      'operator search-attribute create --namespace default --name FlotillaRepo --type Keyword',
      'operator search-attribute create --namespace default --name FlotillaState --type Keyword',
    ]);
    expect(r.stdout).toContain('Search attribute FlotillaRunId is registered');
    expect(r.stdout).toContain('Namespace default is ready for Flotilla');
    fs.rmSync(dir, { recursive: true });
  });
});
