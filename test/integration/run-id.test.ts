import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { createMainActivities } from '../../activities';
import type { RunReport, RunSettings } from '../../core/types';
import { startRun } from '../../client/start-run';
import { runSettings } from '../helpers/run-helpers';
import { makeSampleRepo } from '../helpers/sample-repo';
import { useTestWorker } from '../helpers/test-worker';

const worker = useTestWorker();
const settings = (repoPath: string, runId: string): RunSettings => runSettings(repoPath, { runId });

describe('a run id names one run', () => {
  it('starting a finished run id again is refused, naming the existing run', async () => {
    const repo = await makeSampleRepo();
    const runId = `reuse-${Date.now()}`;
    const report: RunReport = await (
      await startRun(worker().client, settings(repo, runId), worker().taskQueue)
    ).result();
    expect(report.status).toBe('completed');
    await expect(startRun(worker().client, settings(repo, runId), worker().taskQueue)).rejects.toThrow(
      new RegExp(
        `run id ${runId} is already taken by workflow flotilla-${runId} \\(completed, started .*\\)\\. Pick another --run-id`,
      ),
    );
  });

  it('a run folder another workflow prepared is refused (e.g. after the server lost its history); a retry of the same workflow is not', async () => {
    const repo = await makeSampleRepo();
    const acts = createMainActivities();
    const s = settings(repo, `owner-${Date.now()}`);
    const as = (runId: string) =>
      new MockActivityEnvironment(
        { workflowExecution: { workflowId: `flotilla-${s.runId}`, runId } },
        { logger: new DefaultLogger('ERROR') },
      );
    const first = await as('exec-1').run(acts.prepareRun, s);
    await expect(as('exec-1').run(acts.prepareRun, s)).resolves.toEqual(first);
    await expect(as('exec-2').run(acts.prepareRun, s)).rejects.toThrow(
      `run id ${s.runId} was already used by another run in this repository`,
    );
  });
});
