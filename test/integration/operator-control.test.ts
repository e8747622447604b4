import { type WorkflowHandle, WorkflowNotFoundError } from '@temporalio/client';
import { simpleGit } from 'simple-git';
import type { RunReport, RunSettings, TokenUsage } from '../../core/types';
import { execute } from '../../client/args';
import { statusCommand } from '../../client/commands/status';
import { followRun } from '../../client/follow-run';
import { startRun } from '../../client/start-run';
import type { ControlAction } from '../../core/control';
import { controlUpdate, statusQuery } from '../../workflows/run-messages';
import { runSettings, updateRejection, waitFor, waitForStatus } from '../helpers/run-helpers';
import { makeSampleRepo } from '../helpers/sample-repo';
import { startTestWorker, useTestWorker } from '../helpers/test-worker';

const worker = useTestWorker({ latencyMs: 300 });

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const until = (handle: WorkflowHandle, what: string, ok: (r: RunReport) => boolean) =>
  waitForStatus(handle, ok, { what });

const control = (h: WorkflowHandle, action: ControlAction) => h.executeUpdate(controlUpdate, { args: [action] });
const task = (r: RunReport, id: string) => r.tasks.find((t) => t.id === id)!;

async function start(repo: string, runId: string, extra: Partial<RunSettings> = {}) {
  return startRun(worker().client, runSettings(repo, { runId, maxParallel: 2, ...extra }), worker().taskQueue);
}

describe('operator control through the real server', () => {
  it('pauses and resumes, skips a pending task, retries a failed one, and gates a high-risk task on approval', async () => {
    const repo = await makeSampleRepo();
    const h = await start(repo, `ctl-${Date.now()}`, { approveRisk: 'high' });
    // What `flotilla run --wait` prints meanwhile (progress every half second here, instead of 15 s).
    const lines: string[] = [];
    const following = followRun(worker().client, h.workflowId, (l) => lines.push(l), 200, 500);
    expect(await control(h, { action: 'pause' })).toContain('paused');
    const paused = await until(h, 'paused', (r) => r.status === 'paused');
    // A real delay, not a synchronisation: nothing may start during a pause, so give it time to (wrongly) do so.
    await sleep(1500);
    expect(
      (await h.query(statusQuery)).tasks.filter((t) => t.status === 'committed' || t.status === 'running'),
    ).toHaveLength(0);
    expect(paused.tasks.every((t) => t.status === 'pending' || t.status === 'skipped')).toBe(true);

    expect(await control(h, { action: 'skip', taskId: 'TASK-0003' })).toContain('TASK-0003 will be skipped');
    expect(await updateRejection(control(h, { action: 'skip', taskId: 'TASK-9999' }))).toMatch(
      /^TASK-9999 is not a task of run ctl-\d+$/,
    );
    await control(h, { action: 'resume' });

    // TASK-0006 is high risk: it waits, and status says so; meanwhile the failed TASK-0004 is queued for a retry.
    const waiting = await until(
      h,
      'TASK-0006 awaiting approval',
      (r) => task(r, 'TASK-0006').status === 'awaiting-approval',
    );
    expect(task(waiting, 'TASK-0006').reason).toContain('flotilla approve');
    expect(task(waiting, 'TASK-0004').status).toBe('skipped');
    expect(await control(h, { action: 'retry', taskId: 'TASK-0004' })).toContain('tried again');
    await waitFor(() => lines.some((l) => l.includes('waits for approval')), {
      what: '`flotilla run --wait` to print that TASK-0006 waits for approval',
      timeoutMs: 10_000,
      describe: () => lines.slice(-5).join(' | '),
    });
    // `flotilla status` says who waits, and how to let it go.
    const status: string[] = [];
    await execute(statusCommand, [waiting.runId, '--address', process.env.FLOTILLA_TEST_TEMPORAL!], (l) =>
      status.push(l),
    );
    expect(status[0]).toMatch(new RegExp(`^Run ${waiting.runId}: running — .*1 awaiting-approval`));
    expect(status).toContain(
      `  TASK-0006 (Add a shout helper) waits for approval: flotilla approve ${waiting.runId} TASK-0006`,
    );
    await control(h, { action: 'approve', taskId: 'TASK-0006' });

    const report = await h.result();
    expect(report.status).toBe('completed');
    await following;
    expect(lines).toContain(
      `  TASK-0006 (Add a shout helper) waits for approval: flotilla approve ${report.runId} TASK-0006`,
    );
    expect(lines.some((l) => /^ {2}… \d\/5 tasks done \(\d committed(, \d skipped)?\), \d running/.test(l))).toBe(true);
    expect(lines.some((l) => l.startsWith('Paused: '))).toBe(true);
    expect(task(report, 'TASK-0003')).toMatchObject({ status: 'skipped', reason: 'skipped by the operator' });
    expect(task(report, 'TASK-0006').status).toBe('committed');
    expect(task(report, 'TASK-0004')).toMatchObject({ status: 'skipped', batch: 'R' });
    expect(task(report, 'TASK-0004').reason).toContain('add adds two numbers');
    // A finished run takes no update: the server refuses it before the run's validator could.
    const late = control(h, { action: 'pause' });
    await expect(late).rejects.toBeInstanceOf(WorkflowNotFoundError);
    await expect(late).rejects.toThrow('workflow execution already completed');
  });

  it('skips a running task: it is cancelled, and the turns its agent already paid for stay on the bill', async () => {
    const slow = await startTestWorker({ latencyMs: 1000 });
    try {
      const h = await startRun(slow.client, runSettings(await makeSampleRepo(), { maxParallel: 2 }), slow.taskQueue);
      // Once its second model request arrives, the first was answered (and paid for); the answer takes 1 s: skip it then.
      await waitFor(() => slow.standIn.log.some((e) => e.taskId === 'TASK-0001' && e.turn === 2), {
        what: "TASK-0001's second model request",
        intervalMs: 50,
        describe: () => slow.standIn.log.map((e) => `${e.taskId}#${e.turn}`).join(', ') || 'no requests',
      });
      expect(await control(h, { action: 'skip', taskId: 'TASK-0001' })).toContain('TASK-0001 will be skipped');
      const report = await h.result();
      const t = task(report, 'TASK-0001');
      expect(t).toMatchObject({
        status: 'skipped',
        reason: 'skipped by the operator while running; its worktree was discarded',
      });
      // Input of any kind: over the cache minimum the prompt is billed as cache writes and reads, as the API does.
      const input = (u: TokenUsage) => u.inputTokens + u.cacheWriteTokens + u.cacheReadTokens;
      expect(input(t.usage!)).toBeGreaterThan(0);
      expect(input(report.usage)).toBeGreaterThanOrEqual(input(t.usage!));
    } finally {
      await slow.stop();
    }
  });

  it('aborts with rollback: running tasks are cancelled and the run branch goes back to its base', async () => {
    const repo = await makeSampleRepo();
    const runId = `abort-${Date.now()}`;
    const h = await start(repo, runId);
    await until(h, 'a committed task', (r) => r.tasks.some((t) => t.status === 'committed'));
    expect(await control(h, { action: 'abort', rollback: true })).toContain('aborting');
    const report = await h.result();
    expect(report.status).toBe('aborted');
    expect(report.tasks.filter((t) => t.status === 'committed')).toHaveLength(0);
    const git = simpleGit(repo);
    expect((await git.revparse([`flotilla/${runId}`])).trim()).toBe(report.baseSha);
    expect((await git.raw(['worktree', 'list'])).trim().split('\n')).toHaveLength(1);
  });
});
