import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import type { RunReport, RunSettings } from '../../core/types';
import { startRun } from '../../client/start-run';
import { controlUpdate, statusQuery } from '../../workflows/run-messages';
import { runSettings, updateRejection, waitForStatus } from '../helpers/run-helpers';
import { makeSampleRepo } from '../helpers/sample-repo';
import { startTestWorker, type TestWorker, useTestWorker } from '../helpers/test-worker';

const worker = useTestWorker();
const settings = (repo: string, extra: Partial<RunSettings>): RunSettings =>
  runSettings(repo, { maxParallel: 2, ...extra });

async function outcome(h: WorkflowHandle): Promise<RunReport> {
  try {
    return await h.result();
  } catch (err) {
    if (err instanceof WorkflowFailedError) return h.query(statusQuery);
    throw err;
  }
}

describe('budgets and a rejected key', () => {
  it('pauses the run when its cost reaches --budget-usd and goes on only with a higher budget', async () => {
    const h = await startRun(
      worker().client,
      settings(await makeSampleRepo(), { budgetUsd: 0.001 }),
      worker().taskQueue,
    );
    const paused = await waitForStatus(h, (r) => r.status === 'paused', { what: 'the run to pause at its budget' });
    expect(paused.reason).toMatch(/^budget reached: \$0\.\d+ of \$0\.00; resume with a higher --budget-usd/);
    expect(paused.usage.costUsd).toBeGreaterThanOrEqual(0.001);
    expect(await updateRejection(h.executeUpdate(controlUpdate, { args: [{ action: 'resume' }] }))).toBe(
      'the run paused at its budget of $0.001; resume with --budget-usd higher than that',
    );
    expect(await h.executeUpdate(controlUpdate, { args: [{ action: 'resume', budgetUsd: 10 }] })).toContain(
      'budget of $10',
    );
    const report = await h.result();
    expect(report.status).toBe('completed');
    expect(report.tasks.filter((t) => t.status === 'committed')).toHaveLength(4);
  });

  it('skips a task that goes over --max-tokens-per-task', async () => {
    const report = await outcome(
      await startRun(worker().client, settings(await makeSampleRepo(), { maxTokensPerTask: 100 }), worker().taskQueue),
    );
    expect(report.status).toBe('completed');
    const t = report.tasks.find((x) => x.id === 'TASK-0001')!;
    expect(t.status).toBe('skipped');
    expect(t.reason).toContain('budget exceeded: the task used more than --max-tokens-per-task 100 tokens');
  });

  it('stops the run cleanly when the API key is rejected, instead of failing every task', async () => {
    let rejecting: TestWorker | null = null;
    try {
      rejecting = await startTestWorker({ faults: [{ kind: 'unauthorized', times: 1000 }] });
      const report = await outcome(
        await startRun(rejecting.client, settings(await makeSampleRepo(), { maxParallel: 1 }), rejecting.taskQueue),
      );
      expect(report.status).toBe('failed');
      expect(report.reason).toContain('ANTHROPIC_API_KEY was rejected');
      expect(report.tasks.filter((t) => t.status === 'failed')).toHaveLength(1);
      expect(report.tasks.filter((t) => t.status === 'committed')).toHaveLength(0);
      expect(rejecting.standIn.requests).toBe(1);
    } finally {
      await rejecting?.stop();
    }
  });

  it("a task whose agent fails after paying for a turn still carries that turn's tokens", async () => {
    let rejecting: TestWorker | null = null;
    try {
      // Turn 1 is answered (and paid for); turn 2 is refused: the task fails with what turn 1 cost.
      rejecting = await startTestWorker({ faults: [{ kind: 'unauthorized', turn: 2, times: 1000 }] });
      const report = await outcome(
        await startRun(rejecting.client, settings(await makeSampleRepo(), { maxParallel: 1 }), rejecting.taskQueue),
      );
      expect(report.status).toBe('failed');
      const failed = report.tasks.filter((t) => t.status === 'failed');
      expect(failed).toHaveLength(1);
      // The prompt crosses the cache minimum (the shared prefix): turn 1's input is billed as cache writes.
      const input = (u: typeof report.usage | undefined) =>
        u ? u.inputTokens + u.cacheWriteTokens + u.cacheReadTokens : 0;
      expect(input(failed[0].usage)).toBeGreaterThan(0);
      expect(failed[0].usage?.costUsd).toBeGreaterThan(0);
      expect(input(report.usage)).toBe(input(failed[0].usage));
    } finally {
      await rejecting?.stop();
    }
  });
});
