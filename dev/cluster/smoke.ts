// `npm run cluster:smoke [-- --workers N] [-- --no-ui] [-- --keep] [-- --hold]`: the topology of
// docker-compose.yml without Docker. PostgreSQL from the machine's own binaries (a throwaway cluster), the
// Temporal server and temporal-sql-tool built from the Go module go.temporal.io/server at the version the
// compose file pins (cached in .flotilla/tools), the schema and namespace steps run with the compose file's own
// scripts, the Web UI's ui-server built from its module too, then N `flotilla worker`s and `flotilla run --wait`
// on the demo repository against that server.
// Prints each step with its time and one last line: `cluster smoke: PASS …` or `cluster smoke: FAIL at <step>: …`.
// Every process it started is stopped on the way out, Ctrl-C included.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createDemoRepo } from '../demo-repo';
import { projectRoot, temporalCliPath } from '../temporal-cli';
import { adminToolsBin, setupNamespace, setupSchema } from './admin-tools';
import { composeEnvironment } from './compose-env';
import { activitiesByWorkerPid, checkRun, type RunCheck, runAndWait, startWorkers } from './flotilla-run';
import { type Postgres, psqlValue, startPostgres } from './postgres';
import { Processes } from './processes';
import { startTemporalServer, type TemporalServer } from './server';
import {
  composeImageTag,
  composeServerVersion,
  ensureTemporalBuild,
  ensureUiBuild,
  type TemporalBuild,
  UI_MODULE,
  type UiBuild,
} from './temporal-build';
import { startWebUi, uiWorkflowCount, type WebUi } from './ui';

interface Options {
  workers: number;
  ui: boolean;
  keep: boolean;
  hold: boolean;
  version: string | undefined;
  namespace: string;
}

function options(argv: string[]): Options {
  const known = ['--workers', '--no-ui', '--keep', '--hold', '--temporal-version', '--namespace', '--help'];
  for (const a of argv)
    if (a.startsWith('--') && !known.includes(a)) throw new Error(`unknown option ${a} (known: ${known.join(' ')})`);
  const at = (name: string) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : undefined);
  const workers = Number(at('--workers') ?? 2);
  if (!Number.isInteger(workers) || workers < 1)
    throw new Error(`--workers takes an integer >= 1, not ${at('--workers')}`);
  return {
    workers,
    ui: !argv.includes('--no-ui'),
    keep: argv.includes('--keep'),
    hold: argv.includes('--hold'),
    version: at('--temporal-version'),
    namespace: at('--namespace') ?? 'default',
  };
}

const USAGE = `npm run cluster:smoke [-- --workers N] [-- --no-ui] [-- --keep] [-- --hold] [-- --temporal-version X] [-- --namespace NS]
  --workers N             flotilla workers (default 2)
  --no-ui                 no Web UI (it is a second Go build, of github.com/temporalio/ui-server/v2, and a 470 MB binary)
  --keep                  keep the temporary folder (logs, PostgreSQL data, the demo repository) after a pass
  --hold                  after the run, keep the cluster up until Ctrl-C (to look at it with the temporal CLI)
  --temporal-version X    build this server version (and admin tools) instead of the one docker-compose.yml pins
  --namespace NS          the namespace to create and run in (default: default)`;

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  if (argv.includes('--help')) {
    console.log(USAGE);
    return 0;
  }
  let o: Options;
  try {
    o = options(argv);
  } catch (err) {
    console.error(`${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  const started = Date.now();
  const say = (line: string) => console.log(`[${((Date.now() - started) / 1000).toFixed(1).padStart(6)} s] ${line}`);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-cluster-'));
  fs.chmodSync(tmp, 0o711); // PostgreSQL runs as another user when this runs as root: it must get through to its folder
  const procs = new Processes(path.join(tmp, 'logs'));
  const timings: Record<string, number> = {};
  let current = 'start';
  /** A failure keeps the folder (its logs say why); a pass or a Ctrl-C removes it, unless --keep. */
  let failed = false;
  let interrupted = false;
  let stopping: Promise<void> | undefined;
  const stopAll = () => (stopping ??= procs.stopAll());
  const cleanUp = () => {
    if (!failed && !o.keep) fs.rmSync(tmp, { recursive: true, force: true });
    else console.log(`Logs and data kept in ${tmp} (remove it with: rm -rf ${tmp})`);
  };
  process.on('exit', () => procs.killAllNow());
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      interrupted = true;
      say(`${sig}: stopping everything this started…`);
      void stopAll().finally(() => {
        cleanUp();
        if (current === 'hold') process.exit(0); // --hold ends with Ctrl-C; the result was printed already
        console.log(`cluster smoke: INTERRUPTED at ${current}`);
        process.exit(130);
      });
    });
  }
  async function step<T>(name: string, what: string, fn: () => Promise<T>): Promise<T> {
    current = name;
    say(`${what}…`);
    const t = Date.now();
    const result = await fn();
    if (interrupted) await new Promise<never>(() => undefined); // the signal handler stops everything and exits
    timings[name] = (Date.now() - t) / 1000;
    return result;
  }

  try {
    const compose = path.join(projectRoot(), 'docker-compose.yml');
    const version = o.version ?? composeServerVersion(compose);
    const uiVersion = composeImageTag(compose, 'temporalio/ui');
    say(
      `docker-compose.yml without Docker: Temporal server ${version}, PostgreSQL, ${o.ui ? `Web UI ${uiVersion}, ` : ''}${o.workers} Flotilla worker(s); folder ${tmp}`,
    );
    const tools = path.join(projectRoot(), '.flotilla', 'tools');
    const build: TemporalBuild = await step('build', `Temporal server ${version} from go.temporal.io/server`, () =>
      ensureTemporalBuild(procs, tools, version, say),
    );
    say(
      build.buildSeconds === null
        ? `  cached: ${build.dir} (built with ${build.goVersion})`
        : `  built in ${build.buildSeconds} s with ${build.goVersion}: ${build.dir}`,
    );
    const uiBuild: UiBuild | null = o.ui
      ? await step('uiBuild', `Web UI ${uiVersion} from ${UI_MODULE}`, () =>
          ensureUiBuild(procs, tools, uiVersion, say),
        )
      : null;
    if (uiBuild)
      say(
        uiBuild.buildSeconds === null
          ? `  cached: ${uiBuild.dir}`
          : `  built in ${uiBuild.buildSeconds} s: ${uiBuild.dir}`,
      );

    // The services' environments as docker-compose.yml gives them, from the variables its README asks for (.env):
    // a fresh POSTGRES_PASSWORD, the namespace, and no ANTHROPIC_API_KEY (the workers use the stand-in model).
    const vars = { POSTGRES_PASSWORD: randomBytes(24).toString('hex'), FLOTILLA_NAMESPACE: o.namespace };
    const env = (service: string) => composeEnvironment(compose, service, vars);
    const pgEnv = env('postgresql');
    const pg: Postgres = await step('postgres', 'PostgreSQL: initdb and start (service postgresql)', () =>
      startPostgres(procs, path.join(tmp, 'postgres'), pgEnv.POSTGRES_USER, pgEnv.POSTGRES_PASSWORD),
    );
    say(`  PostgreSQL ${pg.version} on ${pg.host}:${pg.port}, user ${pg.user} (${pg.binDir})`);

    const bin = adminToolsBin(path.join(tmp, 'admin-tools-bin'), build);
    await step('schema', 'schema: deploy/temporal/setup-postgres.sh (service temporal-schema)', () =>
      setupSchema(procs, bin, build, pg, env('temporal-schema')),
    );
    const schemaVersions = ['temporal', 'temporal_visibility'].map(
      (db) => `${db} ${psqlValue(pg, db, 'SELECT curr_version FROM schema_version')}`,
    );
    say(`  schema versions: ${schemaVersions.join(', ')}`);

    const server: TemporalServer = await step('server', 'temporal-server start (service temporal)', () =>
      startTemporalServer(procs, build, pg, env('temporal'), tmp),
    );
    const system = JSON.parse(
      execFileSync(temporalCliPath(), ['operator', 'cluster', 'system', '--address', server.address, '-o', 'json'], {
        encoding: 'utf8',
      }),
    ) as { serverVersion?: string };
    say(
      `  server ${system.serverVersion ?? '?'} healthy on ${server.address} (log ${procs.logFile('temporal-server')})`,
    );

    await step(
      'namespace',
      `namespace ${o.namespace} and search attributes: deploy/temporal/setup-namespace.sh (service temporal-setup)`,
      () => setupNamespace(procs, bin, server.address, env('temporal-setup')),
    );

    const ui: WebUi | null = uiBuild
      ? await step('ui', 'ui-server start (service temporal-ui)', () =>
          startWebUi(procs, uiBuild, server.address, env('temporal-ui'), tmp),
        )
      : null;
    if (ui) say(`  Web UI on ${ui.url}`);

    const demo = path.join(tmp, 'demo');
    await createDemoRepo(demo);
    const workerEnv = env('worker');
    const namespace = workerEnv.TEMPORAL_NAMESPACE;
    const workerNames = await step(
      'workers',
      `${o.workers} flotilla worker(s) (service worker, --scale worker=${o.workers})`,
      () => startWorkers(procs, o.workers, workerEnv, server.address, tmp),
    );

    const runId = `cluster-smoke-${Date.now()}`;
    const code = await step('run', `flotilla run --repo ${demo} --wait (the demo backlog)`, () =>
      runAndWait(
        procs,
        workerEnv,
        server.address,
        demo,
        runId,
        path.join(tmp, 'run-state'),
        procs.logFile('flotilla-run'),
        ui?.url ?? null,
        say,
      ),
    );
    current = 'check';
    const check: RunCheck = checkRun(demo, runId, server.address, namespace);
    const rows = psqlValue(
      pg,
      'temporal_visibility',
      `SELECT count(*) FROM executions_visibility WHERE namespace_id = (SELECT namespace_id FROM executions_visibility WHERE workflow_id = 'flotilla-${runId}' LIMIT 1)`,
    );
    const connections = psqlValue(
      pg,
      'postgres',
      'SELECT count(*) FROM pg_stat_activity WHERE backend_type = $$client backend$$',
    );
    say(
      `  report: ${check.status}, ${check.tasks} tasks, ${check.committed} committed, ${check.skipped} skipped; ${check.commits} "Complete TASK-x" commits on flotilla/${runId}`,
    );
    say(
      `  visibility (PostgreSQL): ${check.visible} workflows with FlotillaRunId="${runId}", ${rows} rows in the namespace; ${connections} client connections to PostgreSQL now`,
    );
    const byPid = await activitiesByWorkerPid(server.address, namespace, runId);
    const shares = [...workerNames].map(([pid, name]) => `${name} ${byPid.get(pid) ?? 0}`);
    say(`  activity tasks by worker (from the run's histories): ${shares.join(', ')}`);
    if (o.workers > 1 && [...workerNames.keys()].some((pid) => !byPid.get(pid)))
      check.problems.push(`a worker did no activity of the run (${shares.join(', ')})`);
    if (ui) {
      const listed = await uiWorkflowCount(ui, namespace, `FlotillaRunId="${runId}"`);
      say(
        `  Web UI: its API lists ${listed} workflows for FlotillaRunId="${runId}"; the run: ${ui.url}/namespaces/${namespace}/workflows/flotilla-${runId}`,
      );
      if (listed !== check.visible)
        check.problems.push(`the Web UI lists ${listed} workflows of the run, the server ${check.visible}`);
    }
    // The server's own complaints while it served the run (its shutdown, later, always logs some).
    const errors = fs
      .readFileSync(procs.logFile('temporal-server'), 'utf8')
      .split('\n')
      .filter((l) => l.includes('"level":"error"') || l.includes('"level":"fatal"'));
    const kinds = [...new Set(errors.map((l) => /"msg":"([^"]*)"/.exec(l)?.[1] ?? l.slice(0, 80)))];
    say(
      `  server log: ${errors.length} error line(s) so far${kinds.length ? `: ${kinds.slice(0, 4).join('; ')}` : ''}`,
    );
    if (code !== 0)
      check.problems.unshift(`flotilla run --wait exited with ${code} (its output: ${procs.logFile('flotilla-run')})`);
    if (check.problems.length) throw new Error(check.problems.join('; '));

    current = 'stop';
    const t = Date.now();
    if (!o.hold) await stopAll();
    timings.stop = (Date.now() - t) / 1000;
    const secs = (k: string) =>
      k === 'build' && build.buildSeconds === null ? 'cached' : `${timings[k].toFixed(1)} s`;
    const result =
      `cluster smoke: PASS — Temporal ${system.serverVersion ?? version} built from go.temporal.io/server@v${version}, PostgreSQL ${pg.version}, ${o.workers} workers: ` +
      `run ${runId} completed, ${check.committed}/${check.tasks} tasks committed (${check.commits} commits), ${check.visible} workflows by FlotillaRunId${ui ? ' (server and Web UI)' : ''}; ` +
      `build ${secs('build')}${uiBuild ? `, UI build ${uiBuild.buildSeconds === null ? 'cached' : `${uiBuild.buildSeconds} s`}, UI start ${secs('ui')}` : ''}, postgres ${secs('postgres')}, schema ${secs('schema')}, server ${secs('server')}, namespace ${secs('namespace')}, workers ${secs('workers')}, run ${secs('run')}; total ${((Date.now() - started) / 1000).toFixed(0)} s`;
    if (o.hold) {
      current = 'hold';
      console.log(result);
      say(
        `holding the cluster: TEMPORAL_ADDRESS=${server.address} (namespace ${o.namespace})${ui ? `, Web UI ${ui.url}` : ''}; e.g. ${temporalCliPath()} workflow list --address ${server.address} --query 'FlotillaRunId="${runId}"'. Ctrl-C stops it all.`,
      );
      await new Promise(() => undefined); // the signal handler ends the process
    }
    cleanUp();
    console.log(result);
    return 0;
  } catch (err) {
    if (interrupted) return new Promise<number>(() => undefined); // the signal handler stops everything and exits
    const message = err instanceof Error ? err.message : String(err);
    console.error(message);
    failed = true;
    await stopAll();
    cleanUp();
    console.log(`cluster smoke: FAIL at ${current}: ${message.split('\n')[0]}`);
    return 1;
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
