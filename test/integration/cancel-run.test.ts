import { WorkflowFailedError } from '@temporalio/client';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { simpleGit } from 'simple-git';
import type { RunReport } from '../../core/types';
import { startRun } from '../../client/start-run';
import { temporalCliPath } from '../../dev/temporal-cli';
import { makeSampleRepo } from '../helpers/sample-repo';
import { startTestWorker } from '../helpers/test-worker';

describe('a run cancelled from Temporal itself', () => {
  it('temporal workflow cancel: report.json says cancelled, and no worktree is left', async () => {
    const slow = await startTestWorker({ latencyMs: 1000 });
    try {
      const repo = await makeSampleRepo();
      const runId = `cancel-${Date.now()}`;
      const h = await startRun(
        slow.client,
        {
          runId,
          repoPath: repo,
          model: 'claude-haiku-4-5',
          maxParallel: 2,
          attempts: 1,
          maxTurns: 10,
          sequentialRisk: 'high',
        },
        slow.taskQueue,
      );
      // Cancel while agents are mid-conversation (a model request of a task has been answered).
      const deadline = Date.now() + 120_000;
      while (!slow.standIn.log.some((e) => e.turn === 2) && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 50));
      expect(slow.standIn.log.some((e) => e.turn === 2)).toBe(true);
      const cli = spawnSync(
        temporalCliPath(),
        [
          'workflow',
          'cancel',
          '--workflow-id',
          h.workflowId,
          '--address',
          process.env.FLOTILLA_TEST_TEMPORAL!,
          '--namespace',
          'default',
        ],
        { encoding: 'utf8' },
      );
      expect(cli.status).toBe(0);
      const err = await h.result().then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(WorkflowFailedError);
      expect((err as WorkflowFailedError).cause?.name).toBe('CancelledFailure');
      const report: RunReport = JSON.parse(
        fs.readFileSync(path.join(repo, '.flotilla', 'runs', runId, 'report.json'), 'utf8'),
      );
      expect(report.status).toBe('cancelled');
      expect(report.reason).toContain('cancelled from Temporal');
      // A change on the branch whose batch's suite never ran (the run was cancelled first) stays integrated, never committed.
      expect(
        report.tasks.every((t) => t.status === 'committed' || t.status === 'integrated' || t.status === 'skipped'),
      ).toBe(true);
      expect(
        report.tasks.some(
          (t) => t.reason === 'cancelled while running: the run was cancelled' || t.reason?.includes('cancel'),
        ),
      ).toBe(true);
      // No worktree left: neither on disk nor registered in the repository.
      expect(fs.existsSync(path.join(slow.worktreeRoot, runId))).toBe(false);
      expect((await simpleGit(repo).raw(['worktree', 'list', '--porcelain'])).match(/^worktree /gm)).toHaveLength(1);
    } finally {
      await slow.stop();
    }
  });
});
