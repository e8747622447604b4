import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startRun } from '../../client/start-run';
import { summaryLines } from '../../client/follow-run';
import { controlUpdate, statusQuery } from '../../workflows/run-messages';
import { runSettings, updateRejection, waitFor } from '../helpers/run-helpers';
import { docTask, makeSampleRepo, sampleFiles } from '../helpers/sample-repo';
import { useTestWorker } from '../helpers/test-worker';

const worker = useTestWorker();

/**
 * A task whose change is on the run branch is `integrated` while its batch's full suite runs, and `committed`
 * only once that suite passed: the status query, the CLI's summary, report.json and review.md say the same.
 * The batch's suite is held open by a test that waits for a gate file once the task's change is on the branch.
 */
describe('honest statuses', () => {
  it('integrated while the batch suite runs, committed after it passed', async () => {
    const gate = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-gate-')), 'open');
    const files: Record<string, string> = {
      ...sampleFiles('package.json', 'src/math.js', 'test/math.test.js'),
      // Only the full suite runs it (no change imports it); it waits once TASK-0001's comment is in src/math.js.
      'test/hold.test.js': [
        "const test = require('node:test');",
        "const fs = require('node:fs');",
        "const path = require('node:path');",
        "test('holds the suite while the gate is shut', async () => {",
        "  if (!fs.readFileSync(path.join(__dirname, '../src/math.js'), 'utf8').includes('Adds two numbers')) return;",
        `  while (!fs.existsSync(${JSON.stringify(gate)})) await new Promise((r) => setTimeout(r, 100));`,
        '});',
        '',
      ].join('\n'),
      'tasks/TASK-0001.md': docTask('TASK-0001', 'add'),
    };
    const repo = await makeSampleRepo(files);
    // The gate is a file under the temp folder, which the sandbox hides from the test it holds: this test is about
    // statuses, so its commands run unsandboxed.
    const settings = runSettings(repo, { attempts: 1, sandbox: 'off' });
    const handle = await startRun(worker().client, settings, worker().taskQueue);
    // Opened however the test ends, so a failure never leaves the suite (and the worker's shutdown) waiting.
    const waitingFor = waitFor(
      async () => {
        const r = await handle.query(statusQuery);
        return r.tasks.find((t) => t.id === 'TASK-0001')?.status === 'integrated' ? r : undefined;
      },
      { what: 'TASK-0001 integrated while its batch suite runs', timeoutMs: 120_000, intervalMs: 200 },
    );
    const during = await waitingFor.finally(() => setTimeout(() => fs.writeFileSync(gate, ''), 3000));
    expect(during.counts).toMatchObject({ integrated: 1, committed: 0 });
    expect(during.tasks.find((t) => t.id === 'TASK-0001')!.commit).toMatch(/^[0-9a-f]{40}$/);
    expect(summaryLines(during).join('\n')).toContain('0 task(s) committed');
    // Its change is on the branch: the operator cannot skip it any more, and is told why.
    expect(
      await updateRejection(handle.executeUpdate(controlUpdate, { args: [{ action: 'skip', taskId: 'TASK-0001' }] })),
    ).toMatch(/already on the run branch \(integrated/);
    const report = await handle.result();
    expect(report.status).toBe('completed');
    expect(report.tasks.find((t) => t.id === 'TASK-0001')!.status).toBe('committed');
    expect(report.counts).toMatchObject({ integrated: 0, committed: 1 });
    const saved = JSON.parse(
      fs.readFileSync(path.join(repo, '.flotilla', 'runs', settings.runId, 'report.json'), 'utf8'),
    );
    expect(saved.tasks.find((t: { id: string }) => t.id === 'TASK-0001').status).toBe('committed');
    const review = fs.readFileSync(path.join(repo, '.flotilla', 'runs', settings.runId, 'review.md'), 'utf8');
    expect(review).toContain('- Tasks: 1 committed, 0 skipped or failed');
    expect(review).not.toContain('Integrated, not verified');
  }, 240_000);
});
