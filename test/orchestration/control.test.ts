// Operator control (pause, skip, resume, abort) through the run's update, with scripted activities.
import type { RunReport } from '../../core/types';
import { controlUpdate, flotillaRun, statusQuery } from '../../workflows/run';
import { waitFor } from '../helpers/run-helpers';
import { independentTasks, type Orchestration, startOrchestration } from '../helpers/orchestration';

describe('operator control (scripted activities)', () => {
  let o: Orchestration;
  beforeAll(async () => {
    o = await startOrchestration({ agentMs: 700, testsMs: 50 });
  }, 120_000);
  afterAll(async () => {
    await o?.stop();
  });

  const start = async (name: string, tasks: number, maxParallel: number) => {
    const settings = { ...o.backlog(`${name}-${Date.now()}`, independentTasks(tasks)), maxParallel };
    return o.env.client.workflow.start(flotillaRun, {
      taskQueue: o.taskQueue,
      workflowId: `flotilla-${settings.runId}`,
      args: [settings],
    });
  };
  const statusOf = (r: RunReport) => Object.fromEntries(r.tasks.map((t) => [t.id, t.status]));

  it('pause holds the tasks not started, skip drops one, resume runs the rest', async () => {
    const h = await start('pause', 6, 1);
    await waitFor(
      async () => (await h.query(statusQuery)).tasks.some((t) => t.status === 'integrated' || t.status === 'committed'),
      { what: 'a task on the run branch (integrated: the batch suite runs at the end)', timeoutMs: 20_000 },
    );
    expect(await h.executeUpdate(controlUpdate, { args: [{ action: 'pause' }] })).toContain('pause');
    const paused = await h.query(statusQuery);
    expect(paused.status).toBe('paused');
    const pending = paused.tasks.filter((t) => t.status === 'pending').map((t) => t.id);
    expect(pending.length).toBeGreaterThan(0);
    const skipped = pending[pending.length - 1];
    await h.executeUpdate(controlUpdate, { args: [{ action: 'skip', taskId: skipped }] });
    // Paused: what is running ends, nothing new starts.
    await waitFor(async () => !(await h.query(statusQuery)).tasks.some((t) => t.status === 'running'), {
      what: 'no running task',
      timeoutMs: 20_000,
    });
    await new Promise((r) => setTimeout(r, 1000));
    expect((await h.query(statusQuery)).tasks.filter((t) => t.status === 'running')).toEqual([]);
    await h.executeUpdate(controlUpdate, { args: [{ action: 'resume' }] });
    const report = await h.result();
    expect(report.status).toBe('completed');
    expect(Object.entries(statusOf(report)).filter(([, s]) => s !== 'committed')).toEqual([[skipped, 'skipped']]);
    expect(report.tasks.find((t) => t.id === skipped)!.reason).toContain('skipped by the operator');
  }, 60_000);

  it('abort cancels the running task and skips the rest; the run ends aborted', async () => {
    const h = await start('abort', 4, 1);
    await waitFor(async () => (await h.query(statusQuery)).tasks.some((t) => t.status === 'running'), {
      what: 'a running task',
      timeoutMs: 20_000,
    });
    await h.executeUpdate(controlUpdate, { args: [{ action: 'abort' }] });
    const report = await h.result();
    expect(report.status).toBe('aborted');
    expect(report.tasks.filter((t) => t.status === 'committed')).toEqual([]);
    expect(report.tasks.every((t) => t.status === 'skipped')).toBe(true);
    expect(report.tasks.some((t) => t.reason?.includes('while running'))).toBe(true);
  }, 60_000);

  it('refuses to skip a task the plan does not have, and says so', async () => {
    const h = await start('refuse', 2, 1);
    await expect(
      h.executeUpdate(controlUpdate, { args: [{ action: 'skip', taskId: 'TASK-0099' }] }),
    ).rejects.toMatchObject({ cause: { message: expect.stringContaining('TASK-0099') } });
    await h.result();
  }, 60_000);
});
