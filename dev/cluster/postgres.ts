// A throwaway PostgreSQL for the cluster: a fresh data folder (initdb), one superuser with a password (as the
// compose file's postgres image makes it from POSTGRES_USER and POSTGRES_PASSWORD), on 127.0.0.1 and a free port.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { freePort } from '../temporal-server';
import { type Processes, type RunAs, tail } from './processes';

export interface Postgres {
  host: string;
  port: number;
  user: string;
  password: string;
  version: string;
  binDir: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const has = (dir: string, exe: string) => fs.existsSync(path.join(dir, exe));

/** The folder of initdb/postgres/pg_isready: PG_BIN, else `pg_config --bindir`, else the newest /usr/lib/postgresql/N/bin. */
export function postgresBinDir(): string {
  const candidates: string[] = [];
  if (process.env.PG_BIN) candidates.push(process.env.PG_BIN);
  try {
    candidates.push(
      execFileSync('pg_config', ['--bindir'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim(),
    );
  } catch {
    /* no pg_config on PATH */
  }
  const debian = '/usr/lib/postgresql';
  if (fs.existsSync(debian)) {
    const versions = fs
      .readdirSync(debian)
      .filter((v) => /^\d+$/.test(v))
      .sort((a, b) => Number(b) - Number(a));
    candidates.push(...versions.map((v) => path.join(debian, v, 'bin')));
  }
  const found = candidates.find((d) => has(d, 'initdb') && has(d, 'postgres') && has(d, 'pg_isready'));
  if (!found) {
    throw new Error(
      `PostgreSQL's server programs (initdb, postgres) were not found (looked in: ${candidates.join(', ') || 'PG_BIN, pg_config, /usr/lib/postgresql/*/bin'}). ` +
        'Install them (Debian: apt-get install postgresql) or set PG_BIN to their folder.',
    );
  }
  return found;
}

/** initdb and postgres refuse to run as root: as root, run them as the `postgres` user (else `nobody`). */
export function postgresRunAs(): RunAs | undefined {
  if (process.getuid?.() !== 0) return undefined;
  for (const user of ['postgres', 'nobody']) {
    try {
      const uid = Number(
        execFileSync('id', ['-u', user], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim(),
      );
      const gid = Number(
        execFileSync('id', ['-g', user], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim(),
      );
      if (uid !== 0) return { uid, gid };
    } catch {
      /* no such user */
    }
  }
  throw new Error(
    'running as root, and there is no `postgres` or `nobody` user to run PostgreSQL as (initdb refuses root)',
  );
}

function chownTree(dir: string, owner: RunAs): void {
  fs.chownSync(dir, owner.uid, owner.gid);
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) chownTree(p, owner);
    else fs.chownSync(p, owner.uid, owner.gid);
  }
}

/**
 * Creates a cluster in `dir` (which must not exist yet) with the superuser `user` and its `password` (the
 * postgres image's POSTGRES_USER and POSTGRES_PASSWORD) and starts it; `procs` stops it at the end.
 */
export async function startPostgres(procs: Processes, dir: string, user: string, password: string): Promise<Postgres> {
  const binDir = postgresBinDir();
  const runAs = postgresRunAs();
  const data = path.join(dir, 'data');
  const sockets = path.join(dir, 'sockets');
  fs.mkdirSync(sockets, { recursive: true });
  const pwfile = path.join(dir, 'pwfile');
  fs.writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
  if (runAs) chownTree(dir, runAs);
  // Password logins over TCP (scram-sha-256), as the postgres image sets them up; local sockets trust (this user only).
  await procs.run(
    'postgres-initdb',
    path.join(binDir, 'initdb'),
    [
      '-D',
      data,
      '-U',
      user,
      `--pwfile=${pwfile}`,
      '--auth-host=scram-sha-256',
      '--auth-local=trust',
      '-E',
      'UTF8',
      '--locale=C',
    ],
    { runAs, timeoutMs: 120_000 },
  );
  fs.rmSync(pwfile);
  const host = '127.0.0.1';
  const port = await freePort();
  const child = procs.start(
    'postgres',
    path.join(binDir, 'postgres'),
    ['-D', data, '-h', host, '-p', String(port), '-k', sockets],
    { runAs, stopSignal: 'SIGINT' },
  );
  const deadline = Date.now() + 60_000;
  // The compose file's health check: pg_isready -U temporal -d postgres.
  for (;;) {
    try {
      execFileSync(path.join(binDir, 'pg_isready'), ['-h', host, '-p', String(port), '-U', user, '-d', 'postgres'], {
        stdio: 'ignore',
      });
      break;
    } catch {
      if (child.exitCode !== null || child.signalCode !== null)
        throw new Error(`postgres ended at start; its log:\n${tail(procs.logFile('postgres'))}`);
      if (Date.now() > deadline)
        throw new Error(
          `postgres did not accept connections on ${host}:${port} within 60 s; its log:\n${tail(procs.logFile('postgres'))}`,
        );
      await sleep(250);
    }
  }
  const version = execFileSync(path.join(binDir, 'postgres'), ['--version'], { encoding: 'utf8' })
    .trim()
    .replace(/^postgres \(PostgreSQL\) /, '');
  return { host, port, user, password, version, binDir };
}

/** One value from a query, through psql over TCP with the password (as any client would connect). */
export function psqlValue(pg: Postgres, database: string, sql: string): string {
  return execFileSync(
    path.join(pg.binDir, 'psql'),
    ['-h', pg.host, '-p', String(pg.port), '-U', pg.user, '-d', database, '-At', '-c', sql],
    {
      encoding: 'utf8',
      env: { ...process.env, PGPASSWORD: pg.password },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  ).trim();
}
