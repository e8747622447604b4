// `npm run record-histories [-- SCENARIO...]`: runs scenarios on the sample repository against a fresh dev
// server and saves the history of every workflow execution they made (run, its continued-as-new executions,
// phases, batches, tasks) under test/replay/histories/<scenario>/. test/replay/replay.test.ts replays them with
// the current workflow code: a change that would break a run in flight (a new activity call, a reordered step)
// fails there, and needs patched() from @temporalio/workflow, not a re-recording. Record the scenario a change
// adds (by name, so the older recordings stay as they are); re-record the others only on purpose.
//   full, abort: recorded before durable agent turns (runAgent: the whole conversation in one activity).
//   turns: durable agent turns (patched('agent-turns')), with --agent-rpm (a permit before each later turn).
//   updates: batches' task reports coalesced into taskUpdates signals (patched('coalesced-task-updates')), on
//   the sample backlog (parallel and sequential batches, a task that fails its tests twice, an approval).
import { Client, WorkflowHandle } from '@temporalio/client';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { RunSettings } from '../../core/types';
import { runWorkflowId, startRun } from '../../client/start-run';
import { temporalCliPath } from '../../dev/temporal-cli';
import { freePort, startDevServer } from '../../dev/temporal-server';
import type { ControlAction } from '../../core/control';
import { controlUpdate } from '../../workflows/run-messages';
import { runSettings, waitForStatus } from '../helpers/run-helpers';
import { makeSampleRepo } from '../helpers/sample-repo';
import { startTestWorker } from '../helpers/test-worker';

const OUT = path.join(__dirname, 'histories');

/** The history in the JSON the temporal CLI writes (what historyFromJSON reads). */
function historyJson(address: string, workflowId: string, runId: string): unknown {
  const out = execFileSync(temporalCliPath(), ['workflow', 'show', '--address', address, '--workflow-id', workflowId, '--run-id', runId, '--output', 'json'], { maxBuffer: 64 * 1024 * 1024 });
  return JSON.parse(out.toString());
}

async function save(client: Client, address: string, scenario: string, runId: string): Promise<number> {
  const dir = path.join(OUT, scenario);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const root = runWorkflowId(runId);
  let n = 0;
  for await (const w of client.workflow.list({ query: `WorkflowId STARTS_WITH '${root}'` })) {
    const name = `${w.workflowId.slice(root.length).replace(/^\//, '') || 'run'}.${w.runId}.json`.replace(/[^\w.-]/g, '_');
    fs.writeFileSync(path.join(dir, name), JSON.stringify({ workflowId: w.workflowId, history: historyJson(address, w.workflowId, w.runId) }) + '\n');
    n++;
  }
  return n;
}

const SCENARIOS = ['full', 'abort', 'turns', 'updates'];

async function main(): Promise<void> {
  const asked = process.argv.slice(2);
  const unknown = asked.filter((a) => !SCENARIOS.includes(a));
  if (unknown.length) throw new Error(`unknown scenario ${unknown.join(', ')}; the scenarios are ${SCENARIOS.join(', ')}`);
  const wanted = (name: string) => !asked.length || asked.includes(name);
  const server = await startDevServer({ port: await freePort(), headless: true });
  process.env.FLOTILLA_TEST_TEMPORAL = server.address;
  const tw = await startTestWorker({ latencyMs: 150, ...(wanted('turns') ? { agentRequestsPerMinute: 600 } : {}) });
  const control = (h: WorkflowHandle, a: ControlAction) => h.executeUpdate(controlUpdate, { args: [a] });
  const base = (repoPath: string, runId: string): RunSettings => runSettings(repoPath, { runId, maxParallel: 2, attempts: 2 });
  try {
    /** The sample backlog on two lanes, with TASK-0006 approved when it asks, recorded as `scenario`. */
    const approvedSampleRun = async (scenario: string) => {
      const runId = `replay-${scenario}-${Date.now()}`;
      const h = await startRun(tw.client, { ...base(await makeSampleRepo(), runId), approveRisk: 'high' }, tw.taskQueue);
      await waitForStatus(h, (r) => r.tasks.some((t) => t.id === 'TASK-0006' && t.status === 'awaiting-approval'), { what: 'TASK-0006 awaiting approval' });
      await control(h, { action: 'approve', taskId: 'TASK-0006' });
      const done = await h.result();
      console.log(`${scenario}: ${done.status}, ${await save(tw.client, server.address, scenario, runId)} histories`);
    };
    // 3. Durable agent turns on a worker with --agent-rpm: a task that fails its tests and is tried again, reviews, an approval.
    if (wanted('turns')) await approvedSampleRun('turns');
    // 4. Coalesced task updates: the sample backlog on two lanes, and an approval.
    if (wanted('updates')) await approvedSampleRun('updates');
    if (!wanted('full') && !wanted('abort')) return;
    // 1. Segments of 2 tasks (continue-as-new twice, phase 1 split in two), a retry, and an approval.
    const r1 = `replay-full-${Date.now()}`;
    const h1 = await startRun(tw.client, { ...base(await makeSampleRepo(), r1), segmentTasks: 2, approveRisk: 'high' }, tw.taskQueue);
    await waitForStatus(h1, (r) => r.tasks.some((t) => t.id === 'TASK-0006' && t.status === 'awaiting-approval'), { what: 'TASK-0006 awaiting approval' });
    await control(h1, { action: 'retry', taskId: 'TASK-0004' });
    await control(h1, { action: 'approve', taskId: 'TASK-0006' });
    const done = await h1.result();
    console.log(`full: ${done.status}, ${await save(tw.client, server.address, 'full', r1)} histories`);

    // 2. Paused, a task skipped, then aborted with rollback.
    const r2 = `replay-abort-${Date.now()}`;
    const h2 = await startRun(tw.client, base(await makeSampleRepo(), r2), tw.taskQueue);
    await waitForStatus(h2, (r) => r.tasks.some((t) => t.status === 'committed'), { what: 'a committed task' });
    await control(h2, { action: 'pause' });
    await control(h2, { action: 'skip', taskId: 'TASK-0006' });
    await control(h2, { action: 'abort', rollback: true });
    const aborted = await h2.result();
    console.log(`abort: ${aborted.status}, ${await save(tw.client, server.address, 'abort', r2)} histories`);
  } finally {
    await tw.stop();
    await server.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
