import * as fs from 'node:fs';
import * as path from 'node:path';
import { simpleGit } from 'simple-git';
import type { ReviewMode, RunReport, TaskState, TokenUsage } from '../../core/types';
import { startRun } from '../../client/start-run';
import { REVIEW_TOOL_NAME } from '../../activities/review/review-tool';
import { runSettings } from '../helpers/run-helpers';
import { makeSampleRepo, SAMPLE_FILES } from '../helpers/sample-repo';
import { useTestWorker } from '../helpers/test-worker';

const worker = useTestWorker({ recordRequests: true });

/** A refactor that breaks upper() and "fixes" its test by changing what the test expects: the tests pass, the review must not. */
const CHEAT = [
  '---',
  'id: TASK-0002',
  'title: Simplify upper',
  'category: refactor',
  'risk: low',
  'files:',
  '  - src/text.js',
  '  - test/text.test.js',
  '---',
  '## Description',
  'Simplify upper.',
  '',
  '## Change',
  '```',
  'src/text.js',
  '<<<<<<< SEARCH',
  '  return s.toUpperCase();',
  '=======',
  '  return s.toLowerCase();',
  '>>>>>>> REPLACE',
  '```',
  '',
  '```',
  'test/text.test.js',
  '<<<<<<< SEARCH',
  "test('upper makes capitals', () => assert.equal(upper('ab'), 'AB'));",
  '=======',
  "test('upper makes capitals', () => assert.equal(upper('ab'), 'ab'));",
  '>>>>>>> REPLACE',
  '```',
  '',
].join('\n');

const FILES: Record<string, string> = {
  'package.json': SAMPLE_FILES['package.json'],
  'src/math.js': SAMPLE_FILES['src/math.js'],
  'src/text.js': SAMPLE_FILES['src/text.js'],
  'test/math.test.js': SAMPLE_FILES['test/math.test.js'],
  'test/text.test.js': SAMPLE_FILES['test/text.test.js'],
  'tasks/TASK-0001.md': SAMPLE_FILES['tasks/TASK-0001.md'],
  'tasks/TASK-0002.md': CHEAT,
};

const total = (u: TokenUsage | undefined) =>
  u ? u.inputTokens + u.outputTokens + u.cacheReadTokens + u.cacheWriteTokens : 0;
const reviewerRequests = (from: number) =>
  worker()
    .standIn.bodies.slice(from)
    .filter((b) => (b.tools as Array<{ name?: string }> | undefined)?.some((t) => t.name === REVIEW_TOOL_NAME));

async function run(
  review: ReviewMode | undefined,
  tag: string,
): Promise<{
  report: RunReport;
  byId: Record<string, TaskState>;
  repo: string;
  reviewMd: string;
  requestsFrom: number;
}> {
  const repo = await makeSampleRepo(FILES);
  const runId = `review-${tag}-${Date.now()}`;
  const requestsFrom = worker().standIn.bodies.length;
  const handle = await startRun(
    worker().client,
    runSettings(repo, { runId, maxParallel: 2, attempts: 2, ...(review ? { review } : {}) }),
    worker().taskQueue,
  );
  const report = await handle.result();
  const reviewMd = fs.readFileSync(path.join(repo, '.flotilla/runs', runId, 'review.md'), 'utf8');
  return { report, byId: Object.fromEntries(report.tasks.map((t) => [t.id, t])), repo, reviewMd, requestsFrom };
}

describe('code review before each commit (--review)', () => {
  let off: Awaited<ReturnType<typeof run>>;

  it('off: no reviewer is asked, and the cheating change is committed as before', async () => {
    off = await run('off', 'off');
    expect(off.report.status).toBe('completed');
    expect(reviewerRequests(off.requestsFrom)).toHaveLength(0);
    expect(off.byId['TASK-0001']).toMatchObject({ status: 'committed' });
    expect(off.byId['TASK-0002']).toMatchObject({ status: 'committed' });
    for (const t of off.report.tasks) expect(t.review).toBeUndefined();
    expect(off.report.runReview).toBeUndefined();
    expect(off.reviewMd).not.toContain('review:');
    expect(off.reviewMd).not.toContain('Run review');
  });

  it('gate (the default): the change that edits a test expectation is rolled back and skipped; the clean one is committed, approved, and pays for its review', async () => {
    const gate = await run(undefined, 'gate');
    const { report, byId, repo, reviewMd } = gate;
    expect(report.status).toBe('completed');

    // The cheat: caught by the deterministic checks on both attempts, never committed.
    const cheat = byId['TASK-0002'];
    expect(cheat.status).toBe('skipped');
    expect(cheat.attempts).toBe(2);
    expect(cheat.reason).toMatch(/^review: test\/text\.test\.js:4 changes what a test expects/);
    expect(cheat.review).toMatchObject({
      verdict: 'request_changes',
      by: 'checks',
      reviews: 2,
      mode: 'gate',
      comments: [expect.objectContaining({ file: 'test/text.test.js', line: 4, check: 'test-expectations' })],
    });
    expect(await simpleGit(repo).show([`${report.branch}:test/text.test.js`])).toContain("'AB'");
    expect(await simpleGit(repo).show([`${report.branch}:src/text.js`])).toContain('toUpperCase');
    // The request for changes went back to the agent for its second attempt.
    const transcript = JSON.parse(
      fs.readFileSync(path.join(repo, '.flotilla/runs', report.runId, 'tasks/TASK-0002/transcript-2.json'), 'utf8'),
    );
    expect(JSON.stringify(transcript[0].content)).toContain('Attempt 1 at this task was refused by the review');
    expect(JSON.stringify(transcript[0].content)).toContain('<previous_diff>');

    // The clean task: approved by the reviewer agent (the stand-in, through the verdict tool).
    const clean = byId['TASK-0001'];
    expect(clean.status).toBe('committed');
    expect(clean.review).toMatchObject({
      verdict: 'approve',
      by: 'model',
      model: 'stand-in, not Claude; configured claude-haiku-4-5',
      reviews: 1,
      comments: [],
    });
    const requests = reviewerRequests(gate.requestsFrom);
    expect(requests.some((b) => JSON.stringify(b.messages).includes('Review the change for TASK-0001'))).toBe(true);
    expect(requests.some((b) => JSON.stringify(b.messages).includes('Review the change for TASK-0002'))).toBe(false);
    // Its review's cost is in its usage: the same task without review cost exactly the review less.
    expect(total(clean.review!.usage)).toBeGreaterThan(0);
    expect(clean.review!.usage.costUsd).toBeGreaterThan(0);
    expect(total(clean.usage)).toBe(total(off.byId['TASK-0001'].usage) + total(clean.review!.usage));

    // The review is its own activity on the agents queue, with a summary for the Web UI.
    const history = await worker().client.workflow.getHandle(`flotilla-${report.runId}/TASK-0001`).fetchHistory();
    const scheduled = history.events!.filter(
      (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'reviewTask',
    );
    expect(scheduled).toHaveLength(1);
    // On the agents queue of the host that holds the task's worktree (host affinity: `<queue>-host-<id>-agents`).
    expect(scheduled[0].activityTaskScheduledEventAttributes!.taskQueue!.name).toMatch(
      new RegExp(`^${worker().taskQueue}-host-.+-agents$`),
    );
    const summary = Buffer.from(scheduled[0].userMetadata!.summary!.data!).toString('utf8');
    expect(summary).toContain('Review TASK-0001 attempt 1 (gate): deterministic checks, then claude-haiku-4-5');

    // The run-level review: one advisory pass per category of the committed changes, paid by the run.
    expect(report.runReview?.notes).toEqual([
      expect.objectContaining({ category: 'docs', tasks: ['TASK-0001'], verdict: 'approve' }),
    ]);
    expect(total(report.runReview!.usage)).toBeGreaterThan(0);
    expect(total(report.usage)).toBe(
      report.tasks.reduce((n, t) => n + total(t.usage), 0) + total(report.runReview!.usage),
    );

    // review.md: the verdict under the commit, the reviewer's reason under the skipped task, and the run's notes.
    expect(reviewMd).toMatch(
      /TASK-0001: Document add[^\n]*\n  - its tests: [^\n]*\n  - review: \*\*approved\*\* by the reviewer \(stand-in, not Claude; configured claude-haiku-4-5\): /,
    );
    expect(reviewMd).toMatch(
      /- TASK-0002 \(skipped, batch \w+\): review: test\/text\.test\.js:4 changes what a test expects[^\n]*\n  - review: \*\*changes requested\*\* by the deterministic checks/,
    );
    expect(reviewMd).toContain('## Run review (advisory)');
    expect(reviewMd).toMatch(/- \*\*docs\*\* \(TASK-0001\): consistent: /);
    // report.json has the same.
    const onDisk = JSON.parse(
      fs.readFileSync(path.join(repo, '.flotilla/runs', report.runId, 'report.json'), 'utf8'),
    ) as RunReport;
    expect(onDisk.tasks.find((t) => t.id === 'TASK-0002')?.review?.verdict).toBe('request_changes');
    expect(onDisk.runReview?.notes).toHaveLength(1);
  });

  it('advisory: the verdict is recorded and the change committed, with a warning', async () => {
    const { report, byId, reviewMd } = await run('advisory', 'advisory');
    expect(report.status).toBe('completed');
    expect(byId['TASK-0002']).toMatchObject({
      status: 'committed',
      attempts: 1,
      review: expect.objectContaining({ verdict: 'request_changes', mode: 'advisory' }),
    });
    expect(byId['TASK-0002'].warnings?.join(' ')).toContain('the reviewer (advisory) requested changes');
    expect(byId['TASK-0001'].review?.verdict).toBe('approve');
    expect(reviewMd).toContain('review: **changes requested** by the deterministic checks (advisory)');
  });
});
