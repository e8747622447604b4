import * as fs from 'node:fs';
import * as path from 'node:path';
import { simpleGit } from 'simple-git';
import type { RunReport, RunSettings } from '../../core/types';
import { execute } from '../../client/args';
import { runsCommand } from '../../client/commands/runs';
import { readRunReport } from '../../client/read-report';
import { runWorkflowId, startRun } from '../../client/start-run';
import { controlUpdate } from '../../workflows/run-messages';
import { makeSampleRepo, SAMPLE_FILES } from '../helpers/sample-repo';
import { resultWithin, runSettings, waitForStatus } from '../helpers/run-helpers';
import { useTestWorker } from '../helpers/test-worker';

const worker = useTestWorker();

// --segment-tasks 1 cuts the sample plan (batches 1A with two tasks, 1B, 2A, 3A) into four segments, so
// the run workflow continues-as-new three times: the path a backlog of thousands of tasks takes.
const settings = (repoPath: string, runId: string): RunSettings => runSettings(repoPath, { runId, segmentTasks: 1 });

async function executions(runId: string): Promise<string[]> {
  const statuses: string[] = [];
  for await (const w of worker().client.workflow.list({ query: `WorkflowId = '${runWorkflowId(runId)}'` }))
    statuses.push(w.status.name);
  return statuses;
}

describe('a run cut into segments (continue-as-new between them)', () => {
  it('commits the same tasks as a one-segment run, keeps only its last segment in memory, and reports every task', async () => {
    const repo = await makeSampleRepo();
    const runId = `seg-${Date.now()}`;
    const handle = await startRun(worker().client, settings(repo, runId), worker().taskQueue);
    const report: RunReport = await handle.result();
    expect(report.status).toBe('completed');
    expect(report.segment).toEqual({ number: 4, of: 4 });

    // One execution per segment: three continued-as-new, the last completed.
    const runs = await executions(runId);
    expect(runs.filter((s) => s === 'CONTINUED_AS_NEW')).toHaveLength(3);
    expect(runs.filter((s) => s === 'COMPLETED')).toHaveLength(1);

    // Git: one commit per passing task, none twice.
    const git = simpleGit(repo);
    const subjects = (await git.raw(['log', '--format=%s', `${report.baseSha}..${report.branch}`]))
      .trim()
      .split('\n')
      .sort();
    expect(subjects).toEqual([
      'Complete TASK-0001: Document add',
      'Complete TASK-0002: Document upper',
      'Complete TASK-0003: Document sub',
      'Complete TASK-0006: Add a shout helper',
    ]);

    // The result holds the last segment and the tasks that did not commit; counts cover the whole run.
    expect(report.counts).toMatchObject({ planned: 5, committed: 4, skipped: 2, failed: 0, pending: 0, running: 0 });
    expect(report.tasksElsewhere).toBe(3);
    expect(report.tasks.map((t) => t.id).sort()).toEqual(['TASK-0004', 'TASK-0005', 'TASK-0006']);
    expect(report.batches.map((b) => [b.id, b.state])).toEqual([
      ['1A', 'done'],
      ['1B', 'done'],
      ['2A', 'done'],
      ['3A', 'done'],
    ]);
    // Each batch keeps how its tasks ended (report.json has those of earlier segments too).
    const saved: RunReport = JSON.parse(
      fs.readFileSync(path.join(repo, '.flotilla/runs', runId, 'report.json'), 'utf8'),
    );
    expect(report.batches.map((b) => b.outcome?.committed)).toEqual([undefined, undefined, undefined, 1]);
    expect(saved.batches.every((b) => b.suite?.passed !== false)).toBe(true);
    expect(saved.batches.map((b) => b.outcome)).toEqual([
      { committed: 2, skipped: 0, failed: 0 },
      { committed: 1, skipped: 0, failed: 0 },
      { committed: 0, skipped: 1, failed: 0 },
      { committed: 1, skipped: 0, failed: 0 },
    ]);

    // report.json (and so `flotilla status`/`report`) has every task, with the commit git has.
    const onDisk: RunReport = JSON.parse(
      fs.readFileSync(path.join(repo, '.flotilla/runs', runId, 'report.json'), 'utf8'),
    );
    expect(onDisk.tasks.map((t) => `${t.id} ${t.status}`).sort()).toEqual([
      'TASK-0001 committed',
      'TASK-0002 committed',
      'TASK-0003 committed',
      'TASK-0004 skipped',
      'TASK-0005 skipped',
      'TASK-0006 committed',
    ]);
    expect(onDisk.tasksElsewhere).toBeUndefined();
    expect((await readRunReport(worker().client, runId)).tasks).toHaveLength(6);
    for (const t of onDisk.tasks.filter((x) => x.status === 'committed'))
      expect((await git.raw(['log', '-1', '--format=%s', t.commit!])).trim()).toBe(`Complete ${t.id}: ${t.title}`);
    const review = fs.readFileSync(path.join(repo, '.flotilla/runs', runId, 'review.md'), 'utf8');
    for (const id of ['TASK-0001', 'TASK-0002', 'TASK-0003', 'TASK-0006']) expect(review).toContain(`${id}:`);
    expect(fs.readFileSync(path.join(repo, '.flotilla/runs', runId, 'plan.md'), 'utf8')).toContain(
      'The run is split into 4 segments',
    );

    // `flotilla runs` lists it once (not once per execution), finished, with its repository.
    const lines: string[] = [];
    await execute(runsCommand, ['--address', process.env.FLOTILLA_TEST_TEMPORAL!, '--limit', '200'], (l) =>
      lines.push(l),
    );
    const mine = lines.filter((l) => l.startsWith(`${runId} `));
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatch(new RegExp(`^${runId} +completed +\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d +${repo}$`));
  });

  it("a second file with a planned task's id is listed under its path, and does not hide the planned task", async () => {
    const repo = await makeSampleRepo({
      ...SAMPLE_FILES,
      'tasks/TASK-0001-copy.md': SAMPLE_FILES['tasks/TASK-0001.md'],
    });
    const runId = `seg-dup-${Date.now()}`;
    const report: RunReport = await (
      await startRun(worker().client, settings(repo, runId), worker().taskQueue)
    ).result();
    const onDisk: RunReport = JSON.parse(
      fs.readFileSync(path.join(repo, '.flotilla/runs', runId, 'report.json'), 'utf8'),
    );
    const byId = Object.fromEntries(onDisk.tasks.map((t) => [t.id, t]));
    // The first file in path order (TASK-0001-copy.md) keeps the id; the other is reported.
    expect(byId['TASK-0001'].status).toBe('committed');
    expect(byId['tasks/TASK-0001.md']).toMatchObject({ status: 'skipped', batch: null });
    expect(byId['tasks/TASK-0001.md'].reason).toContain(
      'duplicate id TASK-0001 (already used by tasks/TASK-0001-copy.md)',
    );
    expect(report.counts).toMatchObject({ planned: 5, committed: 4 });
  });

  it('an abort before later segments start records their tasks as not started', async () => {
    const repo = await makeSampleRepo();
    const runId = `seg-abort-${Date.now()}`;
    const handle = await startRun(worker().client, settings(repo, runId), worker().taskQueue);
    await handle.executeUpdate(controlUpdate, { args: [{ action: 'pause' }] });
    // Planned and past the baseline; the first phase waits for resume.
    await waitForStatus(handle, (r) => r.status === 'paused', {
      what: 'the run to pause after its baseline',
      timeoutMs: 120_000,
    });
    await handle.executeUpdate(controlUpdate, { args: [{ action: 'abort' }] });
    const report = await resultWithin(handle, { what: 'the aborted run to end' });
    expect(report.status).toBe('aborted');
    expect(report.counts).toMatchObject({ committed: 0, pending: 0, skipped: 6 });
    const onDisk: RunReport = JSON.parse(
      fs.readFileSync(path.join(repo, '.flotilla/runs', runId, 'report.json'), 'utf8'),
    );
    const reasons = Object.fromEntries(onDisk.tasks.map((t) => [t.id, t.reason]));
    expect(Object.keys(reasons).sort()).toEqual([
      'TASK-0001',
      'TASK-0002',
      'TASK-0003',
      'TASK-0004',
      'TASK-0005',
      'TASK-0006',
    ]);
    for (const id of ['TASK-0001', 'TASK-0002', 'TASK-0003', 'TASK-0004', 'TASK-0006'])
      expect(reasons[id]).toContain('aborted by the operator');
  });
});
