import { startRun } from '../../client/start-run';
import { controlUpdate } from '../../workflows/run-messages';
import { activitySpans, mostAtOnce } from '../helpers/activity-spans';
import { runSettings, uniqueRunId, waitForStatus } from '../helpers/run-helpers';
import { makeSampleRepo, touchTask } from '../helpers/sample-repo';
import { useTestWorker } from '../helpers/test-worker';

const worker = useTestWorker({ latencyMs: 150 });

/** Six independent one-file tasks whose own tests take 1.5 s; TASK-0006's change breaks its test (both attempts). */
function repoFiles(): Record<string, string> {
  const files: Record<string, string> = {
    'package.json': JSON.stringify({ name: 'lanes', private: true, scripts: { test: 'node --test test/' } }) + '\n',
    'test/quick.test.js': "require('node:test')('quick', () => {});\n",
  };
  for (let i = 1; i <= 6; i++) {
    files[`checks/f${i}.test.js`] = [
      "const test = require('node:test');",
      "const assert = require('node:assert/strict');",
      `test('f${i} is 1', async () => {`,
      '  await new Promise((r) => setTimeout(r, 1500));',
      `  assert.equal(require('../src/f${i}'), 1);`,
      '});',
      '',
    ].join('\n');
    Object.assign(files, touchTask(i, `node --test checks/f${i}.test.js`, i === 6 ? 'module.exports = 2;' : undefined));
  }
  return files;
}

const AGENT_STEP = /^(startAgent|agentTurn|modelPermit)$/;

/** Each task's agent runs: consecutive agent activities, from the first one's start to the last one's close. */
function agentRuns(spans: Awaited<ReturnType<typeof activitySpans>>): Array<{ from: number; to: number }> {
  const runs: Array<{ from: number; to: number }> = [];
  let open: { from: number; to: number } | undefined;
  for (const s of [...spans].sort((a, b) => a.started - b.started)) {
    if (!AGENT_STEP.test(s.type)) open = undefined;
    else if (open) open.to = Math.max(open.to, s.closed);
    else runs.push((open = { from: s.started, to: s.closed }));
  }
  return runs;
}

describe('lanes are agents (--max-parallel)', () => {
  it('runs at most --max-parallel agents at once, starts the next agent while finished tasks test and commit, and gives a retried agent a lane', async () => {
    const runId = uniqueRunId('lanes');
    const repo = await makeSampleRepo(repoFiles());
    const report = await (
      await startRun(worker().client, runSettings(repo, { runId, maxParallel: 2, attempts: 2 }), worker().taskQueue)
    ).result();
    expect(report.status).toBe('completed');
    const byId = Object.fromEntries(report.tasks.map((t) => [t.id, t]));
    for (let i = 1; i <= 5; i++) expect(byId[`TASK-000${i}`]).toMatchObject({ status: 'committed', attempts: 1 });
    expect(byId['TASK-0006']).toMatchObject({ status: 'skipped', attempts: 2 });
    expect(byId['TASK-0006'].reason).toContain('tests failed');

    const perTask = await Promise.all(
      report.tasks.map((t) => activitySpans(worker().client, `flotilla-${runId}/${t.id}`)),
    );
    const agents = perTask.flatMap(agentRuns);
    expect(agents.length).toBe(7); // five tasks once, TASK-0006 twice
    expect(mostAtOnce(agents)).toBeLessThanOrEqual(2);
    // A task is busy from its first step to its last: with lanes held to the end, never more than 2 at once.
    const busy = perTask
      .filter((s) => s.length)
      .map((s) => ({ from: Math.min(...s.map((x) => x.started)), to: Math.max(...s.map((x) => x.closed)) }));
    expect(mostAtOnce(busy)).toBeGreaterThan(2);
  });

  it('a task waiting on deck for a lane is not running; skipped there, it ends before it started, without a model request', async () => {
    const runId = uniqueRunId('deck');
    const asked = worker().standIn.log.length; // the stand-in's log holds the file's earlier run too
    const repo = await makeSampleRepo(repoFiles());
    const h = await startRun(
      worker().client,
      runSettings(repo, { runId, maxParallel: 1, attempts: 1 }),
      worker().taskQueue,
    );
    // One lane: TASK-0001 runs, TASK-0002 waits on deck (its workflow started), the others are pending.
    const seen = await waitForStatus(h, (r) => r.tasks.some((t) => t.id === 'TASK-0001' && t.status === 'running'), {
      what: 'TASK-0001 to run',
    });
    expect(seen.tasks.find((t) => t.id === 'TASK-0002')?.status).toBe('pending');
    expect(await h.executeUpdate(controlUpdate, { args: [{ action: 'skip', taskId: 'TASK-0002' }] })).toContain(
      'TASK-0002 will be skipped',
    );
    const report = await h.result();
    const skipped = report.tasks.find((t) => t.id === 'TASK-0002')!;
    expect(skipped).toMatchObject({
      status: 'skipped',
      attempts: 0,
      reason: 'skipped by the operator before it started',
    });
    expect(
      worker()
        .standIn.log.slice(asked)
        .filter((r) => r.taskId === 'TASK-0002'),
    ).toEqual([]);
    expect(report.tasks.filter((t) => t.status === 'committed').map((t) => t.id)).toEqual([
      'TASK-0001',
      'TASK-0003',
      'TASK-0004',
      'TASK-0005',
    ]);
  });
});
