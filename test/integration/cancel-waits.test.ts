// A skipped task's worktree is taken over by the next task only once its cancelled command stopped writing there
// (activities that write in a worktree are cancelled with WAIT_CANCELLATION_COMPLETED, and their commands' process
// groups are killed on cancellation).
import { type WorkflowHandle } from '@temporalio/client';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ControlAction } from '../../core/control';
import { startRun } from '../../client/start-run';
import { controlUpdate } from '../../workflows/run-messages';
import { resultWithin, runSettings, uniqueRunId, waitFor } from '../helpers/run-helpers';
import { docTask, makeSampleRepo, sampleFiles } from '../helpers/sample-repo';
import { useTestWorker } from '../helpers/test-worker';

const worker = useTestWorker();
const list = (dir: string) => (fs.existsSync(dir) ? fs.readdirSync(dir).map((n) => path.join(dir, n)) : []);
const control = (h: WorkflowHandle, action: ControlAction) => h.executeUpdate(controlUpdate, { args: [action] });

/** Writes into its folder every 20 ms, forever: the tests of the task that is skipped while they run. */
const WRITER = `node -e "setInterval(() => require('fs').appendFileSync('scratch.txt', 'x'), 20)"`;
/** Passes unless a stranger writes into its worktree while it watches for 3 s. */
const WATCHER = `node -e "setTimeout(() => process.exit(require('fs').existsSync('scratch.txt') ? 1 : 0), 3000)"`;

describe('cancellation', () => {
  it("waits for a skipped task's command to stop before its worktree is taken over by the next task", async () => {
    // Both edit src/math.js, so they are in two batches: TASK-0003 runs after TASK-0001 is skipped, on its parked worktree.
    const repo = await makeSampleRepo({
      ...sampleFiles('package.json', 'src/math.js', 'test/math.test.js'),
      'tasks/TASK-0001.md': docTask('TASK-0001', 'add', JSON.stringify(WRITER)),
      'tasks/TASK-0003.md': docTask('TASK-0003', 'sub', JSON.stringify(WATCHER)),
    });
    const runId = uniqueRunId('cancel');
    const h = await startRun(
      worker().client,
      runSettings(repo, { runId, maxParallel: 1, review: 'off' }),
      worker().taskQueue,
    );
    // TASK-0001's tests are running (its writer at work) when it is skipped.
    await waitFor(
      async () => {
        const d = await worker()
          .client.workflow.getHandle(`${h.workflowId}/TASK-0001`)
          .describe()
          .catch(() => null);
        return !!d?.raw.pendingActivities?.some((a) => a.activityType?.name === 'runTaskTests' && a.state === 2);
      },
      { what: "TASK-0001's tests to run", timeoutMs: 60_000 },
    );
    // The writer's last write, wherever its worktree is (in place, parked, or taken over), seen from here.
    let lastWrite = 0;
    let watching = true;
    const runFolder = path.join(worker().worktreeRoot, runId);
    const watcher = (async () => {
      while (watching) {
        for (const f of [...list(runFolder), ...list(path.join(runFolder, '_parked'))])
          lastWrite = Math.max(
            lastWrite,
            fs.statSync(path.join(f, 'scratch.txt'), { throwIfNoEntry: false })?.mtimeMs ?? 0,
          );
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    await new Promise((r) => setTimeout(r, 500));
    expect(lastWrite).toBeGreaterThan(0);
    expect(await control(h, { action: 'skip', taskId: 'TASK-0001' })).toContain('TASK-0001');
    const final = await resultWithin(h, { what: 'the run with a skipped task', timeoutMs: 120_000 });
    watching = false;
    await watcher;
    // The skipped task ended (its worktree parked for the next task) only after its command had stopped writing.
    const closed = (
      await worker().client.workflow.getHandle(`${h.workflowId}/TASK-0001`).describe()
    ).closeTime!.getTime();
    expect(lastWrite).toBeLessThan(closed);
    expect(final.status).toBe('completed');
    const byId = Object.fromEntries(final.tasks.map((t) => [t.id, t]));
    expect(byId['TASK-0001'].status).toBe('skipped');
    // TASK-0003 ran in the worktree TASK-0001 left: nothing wrote there behind its back.
    expect({ status: byId['TASK-0003'].status, reason: byId['TASK-0003'].reason }).toEqual({
      status: 'committed',
      reason: undefined,
    });
  }, 180_000);
});
