import { WorkflowFailedError } from '@temporalio/client';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { RunReport } from '../../core/types';
import { startRun } from '../../client/start-run';
import { statusQuery } from '../../workflows/run-messages';
import { runSettings, waitFor } from '../helpers/run-helpers';
import { docTask, makeSampleRepo, sampleFiles } from '../helpers/sample-repo';
import { useTestWorker } from '../helpers/test-worker';

const worker = useTestWorker();

/**
 * A test that starts failing on its own mid-run (it depends on something outside the repository): the batch's
 * suite is red, and the culprit search finds the branch already red at the batch's start. It reports that and
 * blames no change: the batch's tasks stay integrated (never committed, never rolled back as culprits).
 */
describe('a suite that turns red on its own mid-run', () => {
  it('reports the red start and blames no change', async () => {
    const broken = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-env-')), 'down');
    const files: Record<string, string> = {
      ...sampleFiles('package.json', 'src/math.js', 'src/text.js', 'test/math.test.js', 'test/text.test.js'),
      // Imports nothing the tasks change, so only the full suite runs it.
      'test/env.test.js': `const test = require('node:test');\nconst fs = require('node:fs');\ntest('the service is up', () => { if (fs.existsSync(${JSON.stringify(broken)})) throw new Error('service down'); });\n`,
      'tasks/TASK-0001.md': docTask('TASK-0001', 'add'),
      'tasks/TASK-0002.md': docTask('TASK-0002', 'upper'),
    };
    const repo = await makeSampleRepo(files);
    // The "service" is a file under the temp folder, which the sandbox hides from the test that reads it: this test is
    // about the culprit search, so its commands run unsandboxed.
    const handle = await startRun(
      worker().client,
      runSettings(repo, { attempts: 1, sandbox: 'off' }),
      worker().taskQueue,
    );
    // Once the baseline is green and recorded, the service "goes down".
    await waitFor(async () => (await handle.query(statusQuery)).status === 'running', {
      what: 'the baseline recorded',
      timeoutMs: 120_000,
      intervalMs: 100,
    });
    fs.writeFileSync(broken, '');
    const report: RunReport = await handle.result().catch(async (err) => {
      if (!(err instanceof WorkflowFailedError)) throw err;
      return handle.query(statusQuery);
    });
    const summary = report.tasks.map((t) => `${t.id} ${t.status}: ${t.reason ?? ''}`).sort();
    expect(summary).toEqual([
      expect.stringMatching(
        /^TASK-0001 integrated: .*already red at the batch's start.*test\/env\.test\.js::the service is up.*no change was blamed/,
      ),
      expect.stringMatching(/^TASK-0002 integrated: .*already red at the batch's start/),
    ]);
    expect(report.counts).toMatchObject({ committed: 0, integrated: 2, skipped: 0 });
    expect(report.status).toBe('failed');
    expect(report.reason).toContain('final validation failed');
  }, 240_000);
});
