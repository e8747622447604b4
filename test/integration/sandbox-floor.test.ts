// Issue 22: the sandbox level is workflow input, which anyone who can reach an unauthenticated Temporal server
// chooses. A worker started with --sandbox required is a floor no input lowers: a run started directly through
// Temporal with sandbox 'off' fails, naming the floor, before any repository command runs.
import { WorkflowFailedError } from '@temporalio/client';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { RunSettings } from '../../core/types';
import { flotillaRun } from '../../workflows/run';
import { makeSampleRepo } from '../helpers/sample-repo';
import { useTestWorker } from '../helpers/test-worker';

const worker = useTestWorker({ sandboxFloor: 'required' });

describe("the worker's sandbox floor (issue 22)", () => {
  const marker = path.join(os.tmpdir(), `flotilla-floor-${process.pid}-${Date.now()}`);
  afterAll(() => fs.rmSync(marker, { force: true }));

  it("fails a run that asks for sandbox 'off' on a worker with --sandbox required, naming the floor; nothing of the repository runs", async () => {
    const repo = await makeSampleRepo();
    const runId = `floor-${Date.now()}`;
    const settings: RunSettings = {
      runId,
      repoPath: repo,
      model: 'claude-haiku-4-5',
      maxParallel: 2,
      attempts: 1,
      maxTurns: 4,
      sequentialRisk: 'high',
      sandbox: 'off',
      setupCommand: `touch ${marker}`,
    };
    // Straight through the Temporal client, as a script that reached the server would: not the CLI.
    const handle = await worker().client.workflow.start(flotillaRun, {
      taskQueue: worker().taskQueue,
      workflowId: `flotilla-floor-${runId}`,
      args: [settings],
    });
    let message = '';
    try {
      const report = await handle.result();
      message = `${report.status}: ${report.reason ?? ''}`;
    } catch (err) {
      expect(err).toBeInstanceOf(WorkflowFailedError);
      const cause = (err as WorkflowFailedError).cause;
      message = `${cause?.message ?? ''} ${(cause as { cause?: Error })?.cause?.message ?? ''}`;
    }
    expect(message).toMatch(/this worker's floor is --sandbox required/);
    expect(message).toContain('asks for --sandbox off');
    expect(fs.existsSync(marker)).toBe(false);
    // The same worker runs a run that asks for the default (auto, raised to required) to the end, sandboxed.
    const ok = await worker().client.workflow.start(flotillaRun, {
      taskQueue: worker().taskQueue,
      workflowId: `flotilla-floor-ok-${runId}`,
      args: [{ ...settings, runId: `${runId}-ok`, sandbox: undefined, setupCommand: `touch ${marker}; true` }],
    });
    const report = await ok.result();
    expect(report.status).toBe('completed');
    expect(fs.existsSync(marker)).toBe(false); // /tmp inside the sandbox is not the host's
    expect(
      JSON.parse(fs.readFileSync(path.join(repo, '.flotilla', 'runs', `${runId}-ok`, 'sandbox.json'), 'utf8')),
    ).toMatchObject({ mode: 'required', sandboxed: true });
  }, 180_000);
});
