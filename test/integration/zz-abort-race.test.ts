// TEMPORARY stress repro (not committed): abort right when the paused run passes its baseline.
import { execFileSync } from 'node:child_process';
import { startRun } from '../../client/start-run';
import { controlUpdate } from '../../workflows/run-messages';
import { resultWithin, runSettings, waitForStatus } from '../helpers/run-helpers';
import { makeSampleRepo } from '../helpers/sample-repo';
import { useTestWorker } from '../helpers/test-worker';

const worker = useTestWorker();

it('abort while the first phase is starting never hangs', async () => {
  const one = async (k: number) => {
    const repo = await makeSampleRepo();
    const s = runSettings(repo, { segmentTasks: 1, runId: `race-${k}-${Date.now()}` });
    const handle = await startRun(worker().client, s, worker().taskQueue);
    await handle.executeUpdate(controlUpdate, { args: [{ action: 'pause' }] });
    await waitForStatus(handle, (r) => r.status === 'paused', { what: 'paused', timeoutMs: 120_000, intervalMs: 5 });
    await new Promise((r) => setTimeout(r, k * 15));
    await handle.executeUpdate(controlUpdate, { args: [{ action: 'abort' }] });
    try {
      return (await resultWithin(handle, { what: 'aborted run', timeoutMs: 60_000 })).status;
    } catch (err) {
      const out = execFileSync(process.env.TEMPORAL_CLI_PATH!, ['workflow', 'show', '--address', process.env.FLOTILLA_TEST_TEMPORAL!, '--workflow-id', handle.workflowId]).toString();
      console.log(String(err), '\n', out.split('\n').filter((l) => /Signal|Child|Update|Activity(TaskScheduled|TaskCompleted)/.test(l)).join('\n'));
      return 'HUNG';
    }
  };
  const results: string[] = [];
  for (let round = 0; round < 3; round++) results.push(...(await Promise.all([0, 1, 2, 3, 4, 5].map((i) => one(round * 6 + i)))));
  console.log(results);
  expect(results.every((r) => r === 'aborted')).toBe(true);
}, 600_000);
