// The crash-point sweep's run: a small real run (real dev server, real git repository, the stand-in model in a real
// `flotilla worker` process) whose worker is SIGKILLed at one named crash point (activities/crash-point.ts), then
// started again with the same host id on the same disk, so the killed activity's retry finds what its dead try left.
import { Client, Connection } from '@temporalio/client';
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { CrashPointName } from '../../activities/crash-point';
import { startRun } from '../../client/start-run';
import type { RunReport } from '../../core/types';
import { resultWithin, runSettings } from './run-helpers';
import { makeSampleRepo, taskFile } from './sample-repo';

const CLI = path.resolve(__dirname, '../../bin/flotilla.js');

/**
 * What each crash point's sweep run checks beyond the common checks (every task committed once, each edit once, a task
 * ref for every commit, no more warm worktrees than asked for, no worktree left). Every registered point must be here:
 * test/unit/crash-points.test.ts fails otherwise.
 */
export const SWEEP: Record<CrashPointName, string> = {
  'prepare-run.after-backup-ref':
    'the retry makes the run branch at the backup ref (without it, no branch: the run fails at its first integration)',
  'warm-worktrees.mid': 'the retry adds only the warm worktrees still missing (without it, a second set)',
  'agent-turn.after-edits-before-checkpoint':
    'the turn, asked again as a new activity (try 1, after waiting on its host), restores the worktree from the last checkpoint before it edits (without it, the edit lands twice)',
  'commit.after-git-mv':
    'the retry finds the task file already moved (without it, every retry fails at `git mv` and the task fails)',
  'commit.after-commit-before-ref': 'the retry writes the task ref for the commit it finds (without it, no task ref)',
  'integrate.mid-group': 'the retry finds the cherry-picked commit on the run branch and applies it once',
};

const doc = (m: string, fn: string) => `/** ${m} ${fn}. */`;
const NAMES = ['alpha', 'beta', 'gamma'];
const moduleName = (i: number) => NAMES[i] ?? `module${i}`;

/** The sweep's tasks: `n` independent ones (default 3), one module each. */
export function sweepTasks(n = 3) {
  return Array.from({ length: n }, (_, i) => {
    const m = moduleName(i);
    const id = `TASK-${String(i + 1).padStart(4, '0')}`;
    return {
      id,
      module: m,
      subject: `Complete ${id}: Document ${m}`,
      file: `src/${m}.js`,
      docs: [doc(m, 'one'), doc(m, 'two')],
    };
  });
}

/** Independent tasks, one module each, each two edits (two agent turns that edit, then a summary turn). */
export function sweepRepoFiles(n = 3): Record<string, string> {
  const files: Record<string, string> = {
    'package.json':
      JSON.stringify({ name: 'sweep', private: true, scripts: { test: 'node --test test/' } }, null, 2) + '\n',
  };
  for (const t of sweepTasks(n)) {
    const m = t.module;
    files[t.file] =
      `function one() {\n  return 1;\n}\n\nfunction two() {\n  return 2;\n}\n\nmodule.exports = { one, two };\n`;
    files[`test/${m}.test.js`] =
      `const test = require('node:test');\nconst assert = require('node:assert/strict');\nconst { one, two } = require('../src/${m}');\ntest('${m}', () => assert.equal(one() + two(), 3));\n`;
    // The second Change block: the stand-in's second edit, on a later turn (agentTurn). Its SEARCH text survives it, so an edit applied twice shows.
    const second = [
      '```',
      t.file,
      '<<<<<<< SEARCH',
      'function two() {',
      '=======',
      `${doc(m, 'two')}\nfunction two() {`,
      '>>>>>>> REPLACE',
      '```',
      '',
    ].join('\n');
    files[`tasks/${t.id}.md`] =
      taskFile(
        t.id,
        `Document ${m}`,
        'docs',
        'low',
        [t.file],
        t.file,
        'function one() {',
        `${doc(m, 'one')}\nfunction one() {`,
      ) + second;
  }
  return files;
}

/** The sweep run's lanes (--max-parallel). */
const LANES = 3;
/** How many warm worktrees a run of `n` tasks asks for (workflows/run.ts: min(2 x max-parallel, tasks, 32)). */
export const sweepWarm = (n: number) => Math.min(2 * LANES, n, 32);

export interface SweepResult {
  report: RunReport;
  repo: string;
  /** The crash point fired (its file was written by the worker it killed). */
  fired: boolean;
  /** Task refs seen while the run went (they are deleted at its end). */
  refsSeen: Set<string>;
  /** The most warm worktrees registered at once. */
  mostWarm: number;
  /** Worktree registrations left in the repository, and files left in the run's worktree folder, after the run. */
  leftRegistrations: string[];
  leftFolder: string[];
  workerLogs: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const git = (repo: string, ...args: string[]) => execFileSync('git', args, { cwd: repo, encoding: 'utf8' });

/** The registrations (`.git/worktrees/<name>`) of the repository. */
function registrations(repo: string): string[] {
  const dir = path.join(repo, '.git', 'worktrees');
  return fs.existsSync(dir)
    ? fs
        .readdirSync(dir, { withFileTypes: true })
        .filter((e) => e.isDirectory())
        .map((e) => e.name)
    : [];
}

/**
 * Fails the activities a killed worker held, as their heartbeat timeout (30 s) would a little later: the server
 * schedules their retries at once. Only what the dead process (by its pid in the worker identity) had started.
 */
async function failActivitiesOf(client: Client, taskQueue: string, pid: number): Promise<number> {
  let failed = 0;
  for await (const w of client.workflow.list({ query: `TaskQueue = '${taskQueue}' AND ExecutionStatus = 'Running'` })) {
    const d = await client.workflow
      .getHandle(w.workflowId, w.runId)
      .describe()
      .catch(() => null);
    for (const a of d?.raw.pendingActivities ?? []) {
      if (!a.lastWorkerIdentity?.startsWith(`${pid}@`) || !a.activityId || a.state !== 2 /* STARTED */) continue;
      await client.activity
        .fail(
          { workflowId: w.workflowId, runId: w.runId, activityId: a.activityId },
          new Error(`the worker (pid ${pid}) was killed`),
        )
        .then(
          () => failed++,
          () => undefined,
        );
    }
  }
  return failed;
}

/**
 * One sweep run: a worker armed at `point`; when it dies, its started activities are failed (the heartbeat timeout,
 * sooner), and after `restartAfterMs` (longer than the host's 1.5 s schedule-to-start timeout, so a step waiting on
 * the dead host's queue is asked again as a new activity) a worker with the same host id starts. Returns what the
 * checks need.
 */
export async function sweepRun(
  point: CrashPointName,
  opts: { tasks?: number; newHost?: boolean; restartAfterMs?: number; timeoutMs?: number } = {},
): Promise<SweepResult> {
  const address = process.env.FLOTILLA_TEST_TEMPORAL!;
  const repo = await makeSampleRepo(sweepRepoFiles(opts.tasks));
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-sweep-'));
  const taskQueue = `sweep-${Date.now()}-${Math.random().toString(36).slice(2, 6)}`;
  const firedFile = path.join(tmp, 'fired');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    TEMPORAL_ADDRESS: address,
    FLOTILLA_TASK_QUEUE: taskQueue,
    FLOTILLA_WORKTREES: path.join(tmp, 'worktrees'),
    FLOTILLA_STAND_IN: '1',
    FLOTILLA_HOST_ID: `sweep-${process.pid}`,
    FLOTILLA_HOST_TIMEOUT_MS: '1500',
    FLOTILLA_CRASH_POINT: point,
    FLOTILLA_CRASH_FIRED: firedFile,
  };
  let generation = 0;
  const spawnWorker = (): ChildProcess => {
    const log = fs.openSync(path.join(tmp, `worker-${generation++}.log`), 'w');
    try {
      return spawn(process.execPath, [CLI, 'worker'], { env, stdio: ['ignore', log, log] });
    } finally {
      fs.closeSync(log);
    }
  };
  const connection = await Connection.connect({ address });
  const client = new Client({ connection });
  let worker = spawnWorker();
  let stopped = false;
  // The restart: when the armed worker dies, its activities fail now and a worker with its host id starts soon after.
  const restarted = new Promise<void>((resolve) => {
    worker.once('exit', async () => {
      if (stopped) return resolve();
      const pid = worker.pid!;
      await failActivitiesOf(client, taskQueue, pid).catch(() => 0);
      await sleep(opts.restartAfterMs ?? 3000);
      // The same host id: the killed step is retried on the worktree its dead try left. A new one: the task starts again elsewhere.
      if (opts.newHost) env.FLOTILLA_HOST_ID = `sweep-${process.pid}-again`;
      if (!stopped) worker = spawnWorker();
      resolve();
    });
  });
  const refsSeen = new Set<string>();
  let mostWarm = 0;
  const runId = `sweep-${point.replace(/\W+/g, '-')}-${Date.now()}`;
  const watching = (async () => {
    while (!stopped) {
      try {
        for (const r of git(repo, 'for-each-ref', '--format=%(refname)', `refs/flotilla/${runId}/tasks/`)
          .split('\n')
          .filter(Boolean))
          refsSeen.add(r.replace(/^.*\//, ''));
        mostWarm = Math.max(mostWarm, registrations(repo).filter((n) => n.startsWith('warm-')).length);
      } catch {
        /* the repository between two git commands */
      }
      await sleep(100);
    }
  })();
  try {
    const handle = await startRun(client, runSettings(repo, { runId, maxParallel: LANES, review: 'off' }), taskQueue);
    const report = await resultWithin(handle, {
      what: `the sweep run crashed at ${point}`,
      timeoutMs: opts.timeoutMs ?? (opts.newHost ? 300_000 : 150_000),
    });
    const runFolder = path.join(tmp, 'worktrees', runId);
    return {
      report,
      repo,
      fired: fs.existsSync(firedFile),
      refsSeen,
      mostWarm,
      leftRegistrations: registrations(repo),
      leftFolder: fs.existsSync(runFolder) ? fs.readdirSync(runFolder) : [],
      workerLogs: fs
        .readdirSync(tmp)
        .filter((f) => f.startsWith('worker-'))
        .map((f) => `--- ${f}\n${fs.readFileSync(path.join(tmp, f), 'utf8').slice(-2000)}`)
        .join('\n'),
    };
  } finally {
    stopped = true;
    await watching;
    if (worker.exitCode === null && worker.signalCode === null) {
      const exited = new Promise((r) => worker.once('exit', r));
      worker.kill('SIGKILL');
      await exited;
    }
    await restarted;
    await connection.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/** The run branch's commit subjects and, per task, how many times each of its edits is in its file. */
export function branchContent(
  repo: string,
  report: RunReport,
  tasks: ReturnType<typeof sweepTasks>,
): { subjects: string[]; docCounts: Record<string, number[]> } {
  const subjects = git(repo, 'log', '--format=%s', `${report.baseSha}..${report.branch}`)
    .trim()
    .split('\n')
    .filter(Boolean)
    .sort();
  const docCounts: Record<string, number[]> = {};
  for (const t of tasks) {
    const text = git(repo, 'show', `${report.branch}:${t.file}`);
    docCounts[t.id] = t.docs.map((d) => text.split(d).length - 1);
  }
  return { subjects, docCounts };
}
