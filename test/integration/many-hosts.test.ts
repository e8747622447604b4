import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { simpleGit } from 'simple-git';
import type { RunReport, RunSettings } from '../../core/types';
import { startRun } from '../../client/start-run';
import { startStandInModel, type StandInModel } from '../../dev/stand-in-model';
import { createFlotillaWorkers, type FlotillaWorkers } from '../../worker/worker';
import { makeSampleRepo, SAMPLE_FILES, taskFile } from '../helpers/sample-repo';

// Two worker processes ("hosts"), each with its own worktree folder, against one server: every step that
// needs a task's worktree must run on the host whose agent made it.

const TASKS = 8;
const WORKTREE_STEPS = new Set(['agentTurn', 'runTaskTests', 'reviewTask', 'commitTask', 'removeTaskWorktree']);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** 8 independent tasks, each adding its own file; `tests` is each task's own test command. */
function repoFiles(tests: string): Record<string, string> {
  const files: Record<string, string> = {
    'package.json': SAMPLE_FILES['package.json'],
    'src/math.js': SAMPLE_FILES['src/math.js'],
    'test/math.test.js': SAMPLE_FILES['test/math.test.js'],
  };
  for (let i = 1; i <= TASKS; i++) {
    const id = `TASK-${String(i).padStart(4, '0')}`;
    files[`tasks/${id}.md`] = taskFile(
      id,
      `Add helper ${i}`,
      'refactor',
      'low',
      [`src/h${i}.js`],
      `src/h${i}.js`,
      '',
      `module.exports = () => ${i};`,
      tests,
    );
  }
  return files;
}

interface Host {
  workers: FlotillaWorkers;
  root: string;
  /** Resolves when its workers stopped and its connection closed. */
  running: Promise<void>;
}

let bundle: { code: string };
let connection: Connection;
let client: Client;
let model: StandInModel;

beforeAll(async () => {
  const address = process.env.FLOTILLA_TEST_TEMPORAL!;
  try {
    Runtime.install({ logger: new DefaultLogger('WARN') });
  } catch {
    /* installed by another file in this process */
  }
  // One bundle for every worker here (as `flotilla worker` shares one with its replay check).
  bundle = await bundleWorkflowCode({
    workflowsPath: require.resolve('../../workflows'),
    logger: new DefaultLogger('ERROR'),
  });
  connection = await Connection.connect({ address });
  client = new Client({ connection, namespace: 'default' });
  model = await startStandInModel({ latencyMs: 300 });
}, 120_000);

afterAll(async () => {
  await connection?.close();
  await model?.close();
});

/** A "host": its own connection (as a separate process would have), worktree folder and workers. */
async function startHost(taskQueue: string): Promise<Host> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-host-'));
  const native = await NativeConnection.connect({ address: process.env.FLOTILLA_TEST_TEMPORAL! });
  const workers = await createFlotillaWorkers({
    connection: native,
    namespace: 'default',
    taskQueue,
    modelAccess: { apiKey: 'test-key', baseURL: model.url },
    worktreeRoot: root,
    workflowBundle: bundle,
    maxParallel: 2,
    maxTestRuns: 2,
    hostTimeoutMs: 3000,
  });
  return { workers, root, running: workers.run().finally(() => native.close()) };
}

function settings(repoPath: string, runId: string): RunSettings {
  return {
    runId,
    repoPath,
    model: 'claude-haiku-4-5',
    maxParallel: 8,
    attempts: 2,
    maxTurns: 10,
    sequentialRisk: 'high',
  };
}

interface Step {
  task: string;
  type: string;
  queue: string;
  identity: string;
}

/** Every started activity of each task workflow, in history order: its type, the queue it was scheduled on, and the worker that ran it. */
async function taskSteps(runId: string): Promise<Step[]> {
  const steps: Step[] = [];
  for (let i = 1; i <= TASKS; i++) {
    const task = `TASK-${String(i).padStart(4, '0')}`;
    const history = await client.workflow.getHandle(`flotilla-${runId}/${task}`).fetchHistory();
    const scheduled = new Map<number, { type: string; queue: string }>();
    for (const e of history.events ?? []) {
      const s = e.activityTaskScheduledEventAttributes;
      if (s) scheduled.set(Number(e.eventId), { type: s.activityType?.name ?? '', queue: s.taskQueue?.name ?? '' });
      const st = e.activityTaskStartedEventAttributes;
      if (st) {
        const what = scheduled.get(Number(st.scheduledEventId))!;
        steps.push({ task, ...what, identity: st.identity ?? '' });
      }
    }
  }
  return steps;
}

/** Each worktree step (the agent's later turns among them) ran on the worker whose agent (the task's latest startAgent) made the worktree, on that worker's own queue. */
function expectAffinity(steps: Step[], hosts: Host[]): void {
  const byIdentity = new Map(hosts.map((h) => [h.workers.identity, h]));
  let holder: Host | undefined;
  let task = '';
  for (const s of steps) {
    if (s.task !== task) {
      task = s.task;
      holder = undefined;
    }
    if (s.type === 'startAgent') holder = byIdentity.get(s.identity);
    if (!WORKTREE_STEPS.has(s.type)) continue;
    expect({ task: s.task, type: s.type, ranOn: s.identity }).toEqual({
      task: s.task,
      type: s.type,
      ranOn: holder?.workers.identity,
    });
    expect(s.queue.startsWith(holder!.workers.hostQueue)).toBe(true);
  }
}

async function committedOnce(repo: string, report: RunReport): Promise<void> {
  expect(report.status).toBe('completed');
  expect(report.tasks.map((t) => t.status)).toEqual(Array(TASKS).fill('committed'));
  const subjects = (await simpleGit(repo).raw(['log', '--format=%s', `${report.baseSha}..${report.branch}`]))
    .trim()
    .split('\n');
  expect(subjects.sort()).toEqual(
    Array.from(
      { length: TASKS },
      (_, i) => `Complete TASK-${String(i + 1).padStart(4, '0')}: Add helper ${i + 1}`,
    ).sort(),
  );
}

describe('a run on two hosts with their own worktree folders', () => {
  it('runs every worktree step on the host that holds the worktree, and both hosts work', async () => {
    const taskQueue = `hosts-${Date.now()}`;
    const hosts = [await startHost(taskQueue), await startHost(taskQueue)];
    try {
      const repo = await makeSampleRepo(repoFiles('node --test test/'));
      const runId = `hosts-${Date.now()}`;
      const report = await (await startRun(client, settings(repo, runId), taskQueue)).result();
      await committedOnce(repo, report);
      const steps = await taskSteps(runId);
      expectAffinity(steps, hosts);
      const agentsOn = new Set(steps.filter((s) => s.type === 'startAgent').map((s) => s.identity));
      // Every task's later turns ran on its host's own agents queue.
      expect(steps.filter((s) => s.type === 'agentTurn').length).toBeGreaterThanOrEqual(TASKS);
      expect(agentsOn).toEqual(new Set(hosts.map((h) => h.workers.identity)));
      // Both hosts committed in their own worktrees, and removed them.
      const commitsOn = new Set(steps.filter((s) => s.type === 'commitTask').map((s) => s.identity));
      expect(commitsOn.size).toBe(2);
      for (const h of hosts) {
        const dir = path.join(h.root, runId);
        if (fs.existsSync(dir)) expect(fs.readdirSync(dir).filter((n) => n.startsWith('TASK-'))).toEqual([]);
      }
      // Every host's worktrees are locked in the shared repository, so a prune on one host keeps the others'.
      expect(await simpleGit(repo).raw(['worktree', 'list', '--porcelain'])).not.toContain('prunable');
    } finally {
      for (const h of hosts) h.workers.shutdown();
      await Promise.all(hosts.map((h) => h.running));
    }
  }, 240_000);

  it('finishes the tasks of a host that stops mid-run on the other, each committed once', async () => {
    const taskQueue = `hosts-stop-${Date.now()}`;
    const [a, b] = [await startHost(taskQueue), await startHost(taskQueue)];
    try {
      // Slow task tests, so the stopped host is in the middle of some when it goes.
      const repo = await makeSampleRepo(repoFiles('sleep 8 && node --test test/'));
      const runId = `hosts-stop-${Date.now()}`;
      const handle = await startRun(client, settings(repo, runId), taskQueue);
      // Stop b once it runs a task's tests (its agent made that worktree, so the rest of the task is b's).
      const deadline = Date.now() + 120_000;
      while (
        !(await taskSteps(runId).catch(() => [])).some(
          (s) => s.type === 'runTaskTests' && s.identity === b.workers.identity,
        )
      ) {
        if (Date.now() > deadline) throw new Error('host b never ran task tests');
        await sleep(300);
      }
      b.workers.shutdown();
      await b.running;
      const report = await handle.result();
      await committedOnce(repo, report);
      const steps = await taskSteps(runId);
      // The tasks b held started again on a: their later agent and every later worktree step ran on a.
      const moved = [
        ...new Set(
          steps.filter((s) => s.type === 'runTaskTests' && s.identity === b.workers.identity).map((s) => s.task),
        ),
      ];
      expect(moved.length).toBeGreaterThan(0);
      for (const task of moved) {
        const own = steps.filter((s) => s.task === task);
        const last = own.filter((s) => s.type === 'commitTask').pop();
        expect(last?.identity).toBe(a.workers.identity);
      }
      // Completed steps obey affinity; b's unfinished ones were never started anywhere else.
      expectAffinity(steps, [a, b]);
    } finally {
      a.workers.shutdown();
      b.workers.shutdown();
      await Promise.all([a.running, b.running]);
    }
  }, 400_000);
});
