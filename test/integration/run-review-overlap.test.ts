// The run-level review is off the critical path: it starts when the last batch's changes are on the run branch
// and runs beside that batch's suite (which is the final validation when nothing changed after it).
import { startRun } from '../../client/start-run';
import { activitySpans } from '../helpers/activity-spans';
import { runSettings, uniqueRunId } from '../helpers/run-helpers';
import { makeSampleRepo, touchTask } from '../helpers/sample-repo';
import { useTestWorker } from '../helpers/test-worker';

const worker = useTestWorker({ latencyMs: 200 });

function repoFiles(): Record<string, string> {
  const files: Record<string, string> = {
    'package.json': JSON.stringify({ name: 'overlap', private: true, scripts: { test: 'node --test test/' } }) + '\n',
    // A suite of 3 s: the review (a model call of 0.2 s) fits inside it.
    'test/slow.test.js':
      "require('node:test')('slow', async () => { await new Promise((r) => setTimeout(r, 3000)); });\n",
  };
  for (let i = 1; i <= 2; i++) Object.assign(files, touchTask(i, 'node --version'));
  return files;
}

it('the run review runs beside the last batch suite, and its notes reach the report', async () => {
  const runId = uniqueRunId('overlap');
  const repo = await makeSampleRepo(repoFiles());
  const { client, taskQueue } = worker();
  const report = await (
    await startRun(client, runSettings(repo, { runId, maxParallel: 2, review: 'gate' }), taskQueue)
  ).result();
  expect(report.status).toBe('completed');
  expect(report.final?.alreadyValidatedBy).toBe('batch-1A');
  expect(report.runReview?.error).toBeUndefined();
  expect(report.runReview?.notes.length).toBeGreaterThan(0);
  // The review is one activity per category (reviewRunCategory), after listing them (runReviewCategories).
  const spans = await activitySpans(client, `flotilla-${runId}`);
  const listed = spans.find((s) => s.type === 'runReviewCategories')!;
  const passes = spans.filter((s) => s.type === 'reviewRunCategory');
  expect(passes.length).toBeGreaterThan(0);
  const suite = (await activitySpans(client, `flotilla-${runId}/batch-1A`)).find((s) => s.type === 'runBranchTests')!;
  expect(listed.started).toBeLessThan(suite.closed);
  for (const p of passes) expect(p.closed).toBeLessThan(suite.closed);
}, 120_000);
