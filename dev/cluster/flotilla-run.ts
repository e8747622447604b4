// Flotilla on the cluster, as the compose file's `worker` service and `docker compose run worker … run --wait`
// use it: N `flotilla worker` processes and one `flotilla run --wait` on the demo repository, all through
// TEMPORAL_ADDRESS; then what the run left is checked against git and against the cluster's visibility store.
import { Client, Connection } from '@temporalio/client';
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { RunReport } from '../../core/types';
import { projectRoot, temporalCliPath } from '../temporal-cli';
import { type Processes, tail } from './processes';

const CLI = () => path.join(projectRoot(), 'bin', 'flotilla.js');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * What a Flotilla process on the cluster gets: the `worker` service's environment from docker-compose.yml (no
 * ANTHROPIC_API_KEY, and no key file: the stand-in model; FLOTILLA_SANDBOX=required), with this server's address, its
 * own worktrees folder (compose: the `worktrees` volume) and state folder, a PATH and a HOME. Nothing else of this shell's.
 */
export function flotillaEnv(
  composeEnv: Record<string, string>,
  address: string,
  stateDir: string,
  worktrees?: string,
): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    ...composeEnv,
    TEMPORAL_ADDRESS: address,
    FLOTILLA_STATE_DIR: stateDir,
  };
  if (worktrees) env.FLOTILLA_WORKTREES = worktrees;
  else delete env.FLOTILLA_WORKTREES;
  // Compose mounts the key's secret file there; the smoke has no secrets: no file, the stand-in model.
  if (env.ANTHROPIC_API_KEY_FILE?.startsWith('/run/secrets/')) delete env.ANTHROPIC_API_KEY_FILE;
  return env;
}

/** Starts `count` workers (worker-1, worker-2…) and waits until each says it polls; returns their names by pid. */
export async function startWorkers(
  procs: Processes,
  count: number,
  composeEnv: Record<string, string>,
  address: string,
  workDir: string,
): Promise<Map<number, string>> {
  const names = new Map<number, string>();
  const children: ChildProcess[] = [];
  for (let i = 1; i <= count; i++) {
    const name = `worker-${i}`;
    const child = procs.start(name, process.execPath, [CLI(), 'worker'], {
      env: flotillaEnv(
        composeEnv,
        address,
        path.join(workDir, `${name}-state`),
        path.join(workDir, `${name}-worktrees`),
      ),
    });
    if (child.pid) names.set(child.pid, name);
    children.push(child);
  }
  const deadline = Date.now() + 120_000;
  for (let i = 1; i <= count; i++) {
    const log = procs.logFile(`worker-${i}`);
    while (!tail(log, 100_000).includes('Worker polling task queues')) {
      const c = children[i - 1];
      if (c.exitCode !== null || c.signalCode !== null)
        throw new Error(
          `worker-${i} ended before it polled (${c.signalCode ?? `exit code ${c.exitCode}`}); its log ${log}:\n${tail(log)}`,
        );
      if (Date.now() > deadline)
        throw new Error(`worker-${i} did not start polling within 120 s; its log ${log}:\n${tail(log)}`);
      await sleep(250);
    }
  }
  return names;
}

/** `flotilla run --repo <repo> --wait` (compose: `docker compose run --rm worker node bin/flotilla.js run …`): its lines go to `say` as they come; resolves with its exit code. The run's links point at `uiUrl`. */
export function runAndWait(
  procs: Processes,
  composeEnv: Record<string, string>,
  address: string,
  repo: string,
  runId: string,
  stateDir: string,
  logFile: string,
  uiUrl: string | null,
  say: (line: string) => void,
): Promise<number> {
  return new Promise((resolve, reject) => {
    // Its own process group (detached), like the cluster's processes: a Ctrl-C reaches the smoke, which stops it.
    const child = spawn(process.execPath, [CLI(), 'run', '--repo', repo, '--run-id', runId, '--wait'], {
      env: {
        ...flotillaEnv(composeEnv, address, stateDir),
        TERM: 'dumb',
        ...(uiUrl ? { FLOTILLA_UI_URL: uiUrl } : {}),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    procs.adopt('flotilla-run', child);
    const log = fs.createWriteStream(logFile);
    let pending = '';
    const onData = (d: Buffer) => {
      log.write(d);
      pending += d.toString();
      const lines = pending.split('\n');
      pending = lines.pop()!;
      for (const l of lines) if (l.trim()) say(`  | ${l}`);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      if (pending.trim()) say(`  | ${pending}`);
      log.end();
      resolve(code ?? (signal ? 128 : 1));
    });
  });
}

export interface RunCheck {
  status: string;
  tasks: number;
  committed: number;
  skipped: number;
  /** "Complete TASK-x" commits on the run branch. */
  commits: number;
  /** Workflows the cluster's visibility store finds by FlotillaRunId (the run and its children). */
  visible: number;
  problems: string[];
}

/** Checks the run's report against git and the server: completed, commits = committed tasks, search attributes in use. */
export function checkRun(repo: string, runId: string, address: string, namespace: string): RunCheck {
  const problems: string[] = [];
  const reportFile = path.join(repo, '.flotilla', 'runs', runId, 'report.json');
  if (!fs.existsSync(reportFile))
    return {
      status: 'no report',
      tasks: 0,
      committed: 0,
      skipped: 0,
      commits: 0,
      visible: 0,
      problems: [`${reportFile} was not written`],
    };
  const report = JSON.parse(fs.readFileSync(reportFile, 'utf8')) as RunReport;
  const committed = report.tasks.filter((t) => t.status === 'committed').length;
  const skipped = report.tasks.filter((t) => t.status === 'skipped').length;
  const subjects = execFileSync('git', ['log', '--format=%s', `${report.baseSha}..${report.branch}`], {
    cwd: repo,
    encoding: 'utf8',
  }).split('\n');
  const commits = subjects.filter((s) => /^Complete TASK-\d+:/.test(s)).length;
  if (report.status !== 'completed') problems.push(`the run is ${report.status}, not completed`);
  if (committed === 0) problems.push('no task was committed');
  if (commits !== committed)
    problems.push(
      `${commits} "Complete TASK-x" commits on ${report.branch}, but ${committed} committed tasks in report.json`,
    );
  const listed = execFileSync(
    temporalCliPath(),
    [
      'workflow',
      'list',
      '--address',
      address,
      '--namespace',
      namespace,
      '--query',
      `FlotillaRunId="${runId}"`,
      '-o',
      'jsonl',
    ],
    { encoding: 'utf8' },
  );
  const visible = listed.split('\n').filter((l) => l.trim()).length;
  if (visible < 2)
    problems.push(
      `the visibility store finds ${visible} workflow(s) with FlotillaRunId="${runId}" (expected the run and its children)`,
    );
  return { status: report.status, tasks: report.tasks.length, committed, skipped, commits, visible, problems };
}

/**
 * Which worker process did the run's work: activity tasks started, by the pid in the worker identity
 * (`<pid>@<host>/<hostId>`), over the histories of every workflow of the run. Shows that the replicas share it.
 */
export async function activitiesByWorkerPid(
  address: string,
  namespace: string,
  runId: string,
): Promise<Map<number, number>> {
  const connection = await Connection.connect({ address });
  try {
    const client = new Client({ connection, namespace });
    const counts = new Map<number, number>();
    for await (const wf of client.workflow.list({ query: `FlotillaRunId="${runId}"` })) {
      const history = await client.workflow.getHandle(wf.workflowId, wf.runId).fetchHistory();
      for (const e of history.events ?? []) {
        const identity = e.activityTaskStartedEventAttributes?.identity;
        const pid = Number(/^(\d+)@/.exec(identity ?? '')?.[1]);
        if (identity && Number.isInteger(pid)) counts.set(pid, (counts.get(pid) ?? 0) + 1);
      }
    }
    return counts;
  } finally {
    await connection.close();
  }
}
