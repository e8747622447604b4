// `npm run record-histories [-- SCENARIO...]`: runs each scenario on a sample repository against one fresh dev
// server (no other set-up: the command starts and stops everything) and saves the history of every workflow
// execution it made (run, its continued-as-new executions, phases, batches, tasks) under
// test/replay/histories/<scenario>/. test/replay/replay.test.ts replays them with the current workflow code: a
// change that would break a run in flight (a new activity call, a reordered step) fails there. Guard such a change
// with patched() and record it in workflows/patches.ts (CONTRIBUTING.md, "The patch policy"): the recordings made
// before the change cover its old side; record the scenario that covers its new side under a new name.
// Re-record the existing scenarios only on purpose (a declared break, CHANGELOG.md).
import { type Client, type WorkflowHandle } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger, NativeConnection } from '@temporalio/worker';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { RunSettings } from '../../core/types';
import { runWorkflowId, startRun } from '../../client/start-run';
import { temporalCliPath } from '../../dev/temporal-cli';
import { freePort, startDevServer } from '../../dev/temporal-server';
import { startStandInModel } from '../../dev/stand-in-model';
import type { ControlAction } from '../../core/control';
import { createFlotillaWorkers } from '../../worker/worker';
import { controlUpdate } from '../../workflows/run-messages';
import { runSettings, waitFor, waitForStatus } from '../helpers/run-helpers';
import { makeSampleRepo, SAMPLE_FILES, taskFile } from '../helpers/sample-repo';
import { startTestWorker, type TestWorker, type TestWorkerOptions } from '../helpers/test-worker';

const OUT = path.join(__dirname, 'histories');

/** The history in the JSON the temporal CLI writes (what historyFromJSON reads). */
function historyJson(address: string, workflowId: string, runId: string): unknown {
  const out = execFileSync(
    temporalCliPath(),
    ['workflow', 'show', '--address', address, '--workflow-id', workflowId, '--run-id', runId, '--output', 'json'],
    { maxBuffer: 64 * 1024 * 1024 },
  );
  return JSON.parse(out.toString());
}

async function save(client: Client, address: string, scenario: string, runId: string): Promise<number> {
  const dir = path.join(OUT, scenario);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const root = runWorkflowId(runId);
  let n = 0;
  for await (const w of client.workflow.list({ query: `WorkflowId STARTS_WITH '${root}'` })) {
    const name = `${w.workflowId.slice(root.length).replace(/^\//, '') || 'run'}.${w.runId}.json`.replace(
      /[^\w.-]/g,
      '_',
    );
    fs.writeFileSync(
      path.join(dir, name),
      JSON.stringify({ workflowId: w.workflowId, history: historyJson(address, w.workflowId, w.runId) }) + '\n',
    );
    n++;
  }
  return n;
}

const control = (h: WorkflowHandle, a: ControlAction) => h.executeUpdate(controlUpdate, { args: [a] });
const base = (repoPath: string, runId: string): RunSettings =>
  runSettings(repoPath, { runId, maxParallel: 2, attempts: 2 });

/** What a scenario needs: the dev server's address, and a worker of its own made with `worker(options)`. */
interface Stage {
  address: string;
  worker(opts?: TestWorkerOptions): Promise<TestWorker>;
}

/** A scenario records one run; it returns the run's id and the client that sees it, once the run has ended. */
type Scenario = { covers: string; record(stage: Stage, scenario: string): Promise<{ runId: string; client: Client }> };

/** The sample backlog on two lanes (a task fails its tests and is tried again, reviews), with TASK-0006 approved when it asks. */
async function approvedSampleRun(tw: TestWorker, scenario: string) {
  const runId = `replay-${scenario}-${Date.now()}`;
  const h = await startRun(tw.client, { ...base(await makeSampleRepo(), runId), approveRisk: 'high' }, tw.taskQueue);
  await waitForStatus(h, (r) => r.tasks.some((t) => t.id === 'TASK-0006' && t.status === 'awaiting-approval'), {
    what: 'TASK-0006 awaiting approval',
  });
  await control(h, { action: 'approve', taskId: 'TASK-0006' });
  await h.result();
  return { runId, client: tw.client };
}

const SCENARIOS: Record<string, Scenario> = {
  updates: {
    covers:
      'a plain run: parallel and sequential batches, lanes handed over after each agent, coalesced task updates, a task that fails its tests and is tried again, an approval, the run review',
    record: async (s, name) => approvedSampleRun(await s.worker(), name),
  },
  turns: {
    covers: 'durable agent turns on a worker with --agent-rpm (a model permit before each later turn)',
    record: async (s, name) => approvedSampleRun(await s.worker({ agentRequestsPerMinute: 600 }), name),
  },
  full: {
    covers: 'continue-as-new (segments of 2 tasks, phase 1 split in two), an operator retry (batch R), an approval',
    async record(s) {
      const tw = await s.worker();
      const runId = `replay-full-${Date.now()}`;
      const h = await startRun(
        tw.client,
        { ...base(await makeSampleRepo(), runId), segmentTasks: 2, approveRisk: 'high' },
        tw.taskQueue,
      );
      await waitForStatus(h, (r) => r.tasks.some((t) => t.id === 'TASK-0006' && t.status === 'awaiting-approval'), {
        what: 'TASK-0006 awaiting approval',
      });
      await control(h, { action: 'retry', taskId: 'TASK-0004' });
      await control(h, { action: 'approve', taskId: 'TASK-0006' });
      await h.result();
      return { runId, client: tw.client };
    },
  },
  abort: {
    covers: 'pause, a task skipped, then abort with rollback',
    async record(s) {
      const tw = await s.worker();
      const runId = `replay-abort-${Date.now()}`;
      const h = await startRun(tw.client, base(await makeSampleRepo(), runId), tw.taskQueue);
      await waitForStatus(h, (r) => r.tasks.some((t) => t.status === 'committed'), { what: 'a committed task' });
      await control(h, { action: 'pause' });
      await control(h, { action: 'skip', taskId: 'TASK-0006' });
      await control(h, { action: 'abort', rollback: true });
      await h.result();
      return { runId, client: tw.client };
    },
  },
  cancel: {
    covers: 'a run cancelled from Temporal (the Web UI, `temporal workflow cancel`) while agents are mid-conversation',
    async record(s) {
      const tw = await s.worker({ latencyMs: 1000 });
      const runId = `replay-cancel-${Date.now()}`;
      const h = await startRun(tw.client, { ...base(await makeSampleRepo(), runId), attempts: 1 }, tw.taskQueue);
      await waitFor(() => tw.standIn.log.some((e) => e.turn === 2), {
        what: 'an agent at its second turn',
        timeoutMs: 120_000,
      });
      await h.cancel();
      await h.result().catch(() => undefined);
      return { runId, client: tw.client };
    },
  },
  'host-loss': {
    covers:
      'a host (a worker process with its own worktree folder) stops mid-run: its tasks start again on the other host',
    record: recordHostLoss,
  },
};

/** Four independent tasks with slow tests, on two hosts; the second host stops once it runs a task's tests. */
async function recordHostLoss(s: Stage): Promise<{ runId: string; client: Client }> {
  const bundle = await bundleWorkflowCode({
    workflowsPath: require.resolve('../../workflows'),
    logger: new DefaultLogger('ERROR'),
  });
  const model = await startStandInModel({ latencyMs: 300 });
  const tw = await s.worker(); // its client (its worker polls another queue)
  const taskQueue = `replay-hosts-${Date.now()}`;
  const host = async () => {
    const native = await NativeConnection.connect({ address: s.address });
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-host-'));
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
    return { workers, running: workers.run().finally(() => native.close()) };
  };
  const [a, b] = [await host(), await host()];
  try {
    const files: Record<string, string> = {
      'package.json': SAMPLE_FILES['package.json'],
      'src/math.js': SAMPLE_FILES['src/math.js'],
      'test/math.test.js': SAMPLE_FILES['test/math.test.js'],
    };
    for (let i = 1; i <= 4; i++) {
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
        'sleep 6 && node --test test/',
      );
    }
    const runId = `replay-host-loss-${Date.now()}`;
    const h = await startRun(tw.client, { ...base(await makeSampleRepo(files), runId), maxParallel: 4 }, taskQueue);
    // b runs a task's tests: that task's worktree is on b, and goes with it.
    const testsOnB = async () => {
      for await (const w of tw.client.workflow.list({
        query: `WorkflowId STARTS_WITH '${runWorkflowId(runId)}/TASK-'`,
      })) {
        const history = await tw.client.workflow.getHandle(w.workflowId, w.runId).fetchHistory();
        if (
          history.events?.some(
            (e) =>
              e.activityTaskScheduledEventAttributes?.activityType?.name === 'runTaskTests' &&
              e.activityTaskScheduledEventAttributes.taskQueue?.name?.startsWith(b.workers.hostQueue),
          )
        )
          return true;
      }
      return false;
    };
    await waitFor(testsOnB, { what: "a task's tests on the second host", timeoutMs: 120_000, intervalMs: 300 });
    b.workers.shutdown();
    await b.running;
    await h.result();
    return { runId, client: tw.client };
  } finally {
    a.workers.shutdown();
    b.workers.shutdown();
    await Promise.all([a.running, b.running]);
    await model.close();
  }
}

async function main(): Promise<void> {
  const asked = process.argv.slice(2);
  const unknown = asked.filter((a) => !(a in SCENARIOS));
  if (unknown.length)
    throw new Error(`unknown scenario ${unknown.join(', ')}; the scenarios are ${Object.keys(SCENARIOS).join(', ')}`);
  const server = await startDevServer({ port: await freePort(), headless: true });
  process.env.FLOTILLA_TEST_TEMPORAL = server.address;
  try {
    for (const [name, scenario] of Object.entries(SCENARIOS)) {
      if (asked.length && !asked.includes(name)) continue;
      const workers: TestWorker[] = [];
      const stage: Stage = {
        address: server.address,
        worker: async (opts) => workers[workers.push(await startTestWorker(opts)) - 1],
      };
      try {
        const { runId, client } = await scenario.record(stage, name);
        console.log(`${name}: ${await save(client, server.address, name, runId)} histories (${scenario.covers})`);
      } finally {
        for (const w of workers) await w.stop();
      }
    }
  } finally {
    await server.stop();
  }
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
