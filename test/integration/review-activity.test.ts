import Anthropic from '@anthropic-ai/sdk';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { simpleGit } from 'simple-git';
import { createAgentActivities } from '../../activities';
import type { ReviewResult } from '../../activities/review/review-activities';
import { runReviewLoop } from '../../activities/review/review-loop';
import { taskReviewPrompt, taskReviewSystem } from '../../activities/review/review-prompt';
import { agentInput, converse } from '../helpers/agent-conversation';
import type { Fault } from '../../dev/stand-in-faults';
import { startStandInModel, type StandInModel } from '../../dev/stand-in-model';
import { makeSampleRepo, SAMPLE_FILES, taskFile } from '../helpers/sample-repo';

const EXPECTATION_EDIT = [
  'diff --git a/test/math.test.js b/test/math.test.js',
  '--- a/test/math.test.js',
  '+++ b/test/math.test.js',
  '@@ -3,2 +3,2 @@',
  " const { add, sub } = require('../src/math');",
  "-test('add adds two numbers', () => assert.equal(add(2, 3), 5));",
  "+test('add adds two numbers', () => assert.equal(add(2, 3), -1));",
  '',
].join('\n');

const FIRST_N = [
  '/**',
  ' * The first n items of a list, in order.',
  ' * A list shorter than n is returned whole.',
  ' */',
  'function firstN(items, n) {',
  '  const out = [];',
  '  // Walk the whole list; keep the items before index n.',
  '  // (A plain loop: items may be any array-like.)',
  '',
  '  for (let i = 0; i < items.length; i++) {',
  '    if (i < n) {',
  '      out.push(items[i]);',
  '    }',
  '  }',
  '  return out;',
  '}',
  '',
  'module.exports = { firstN };',
  '',
].join('\n');

/** The review activity and the reviewer loop against the stand-in, over HTTP through the real SDK. */
describe('reviewTask and the reviewer agent', () => {
  let repo: string;
  let baseSha: string;
  let worktreeRoot: string;
  const models: StandInModel[] = [];
  const env = new MockActivityEnvironment(undefined, { logger: new DefaultLogger('ERROR') });
  let n = 0;

  beforeAll(async () => {
    repo = await makeSampleRepo({
      ...SAMPLE_FILES,
      'tasks/TASK-0007.md': taskFile(
        'TASK-0007',
        'Log add',
        'refactor',
        'low',
        ['src/math.js'],
        'src/math.js',
        '  return a + b;',
        "  console.log('add', a, b);\n  return a + b;",
      ),
      'src/take.js': FIRST_N,
      // A "refactor" that changes a boundary condition and touches no test: the tests still pass.
      'tasks/TASK-0008.md': taskFile(
        'TASK-0008',
        'Simplify firstN',
        'refactor',
        'medium',
        ['src/take.js'],
        'src/take.js',
        '    if (i < n) {',
        '    if (i <= n) {',
      ),
    });
    baseSha = (await simpleGit(repo).revparse(['HEAD'])).trim();
    worktreeRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-review-wt-'));
  });
  afterAll(async () => {
    for (const m of models) await m.close();
  });
  const model = async (faults: Fault[] = []) => {
    const m = await startStandInModel({ faults });
    models.push(m);
    return m;
  };

  /** The agent's change for a task in a fresh worktree, then the review activity against `reviewer`. */
  async function agentThenReview(taskId: string, reviewer: StandInModel, category: string, declared: string[]) {
    const runId = `rv${++n}`;
    const coder = await model();
    const agent = await converse(
      env,
      createAgentActivities({ worktreeRoot, modelAccess: { apiKey: 'k', baseURL: coder.url } }),
      agentInput(runId, repo, taskId, baseSha, 10, 'node --test test/'),
    );
    expect(agent.ok).toBe(true);
    const review = createAgentActivities({
      worktreeRoot,
      modelAccess: { apiKey: 'k', baseURL: reviewer.url },
    }).reviewTask;
    const input = {
      runId,
      repoPath: repo,
      taskId,
      baseSha,
      sourcePath: `tasks/${taskId}.md`,
      category,
      declared,
      edited: agent.edited,
      summary: agent.summary,
      tests: { command: 'node --test test/', passed: true, logPath: '/nonexistent.log', durationMs: 1 },
      model: 'claude-haiku-4-5',
      attempt: 1,
    };
    return {
      run: (more: { mode?: 'gate' | 'advisory' } = {}) =>
        env.run(review, { ...input, ...more }) as Promise<ReviewResult>,
      runId,
    };
  }

  it('a finding of the checks is a request for changes without a model call', async () => {
    const reviewer = await model();
    const { run } = await agentThenReview('TASK-0007', reviewer, 'refactor', ['src/math.js']);
    const r = await run();
    expect(r).toMatchObject({
      verdict: 'request_changes',
      by: 'checks',
      comments: [expect.objectContaining({ check: 'debug-leftovers', file: 'src/math.js', line: 2 })],
    });
    expect(r.summary).toContain("adds console output in non-test code: `console.log('add', a, b);`");
    expect(reviewer.requests).toBe(0);
  });

  it('a clean change is approved by the reviewer agent, with its cost and transcript; rate limits fail the try as retryable, as for the agent', async () => {
    const reviewer = await model([{ kind: 'rate_limit', retryAfterSeconds: 7 }]);
    const { run, runId } = await agentThenReview('TASK-0001', reviewer, 'docs', ['src/math.js']);
    const err = await run().catch((e) => e);
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect(err).toMatchObject({ nonRetryable: false, type: 'ModelApiError', nextRetryDelay: 7000 });
    const r = await run();
    expect(r).toMatchObject({ verdict: 'approve', by: 'model', model: 'claude-haiku-4-5', comments: [] });
    expect(r.usage.inputTokens).toBeGreaterThan(0);
    expect(r.usage.costUsd).toBeGreaterThan(0);
    const transcript = JSON.parse(
      fs.readFileSync(path.join(repo, '.flotilla/runs', runId, 'tasks/TASK-0001/review-1.json'), 'utf8'),
    );
    expect(transcript[0].content).toContain('<diff>');
    expect(transcript[0].content).toContain('+/** Adds two numbers. */');
  });

  it('a rejected key stops the run (AgentConfigError); a refusal is recorded and never blocks', async () => {
    const rejecting = await model([{ kind: 'unauthorized' }]);
    const first = await agentThenReview('TASK-0001', rejecting, 'docs', ['src/math.js']);
    expect(await first.run().catch((e) => e)).toMatchObject({ nonRetryable: true, type: 'AgentConfigError' });
    const refusing = await model([{ kind: 'refusal' }]);
    const second = await agentThenReview('TASK-0001', refusing, 'docs', ['src/math.js']);
    expect(await second.run()).toMatchObject({
      verdict: 'approve',
      by: 'model',
      summary: expect.stringMatching(/^no verdict \(the reviewer refused: .*\); not blocking$/),
    });
  });

  it('in gate mode a review without a verdict is no approval', async () => {
    const refusing = await model([{ kind: 'refusal' }]);
    const { run } = await agentThenReview('TASK-0001', refusing, 'docs', ['src/math.js']);
    expect(await run({ mode: 'gate' })).toMatchObject({
      verdict: 'request_changes',
      by: 'model',
      summary: expect.stringMatching(
        /^no verdict from the reviewer \(the reviewer refused: .*\); in gate mode that is no approval$/,
      ),
    });
  });

  it('a "refactor" that changes a boundary condition, no test touched, gets changes requested; the reviewer read the whole function and could read the base', async () => {
    const reviewer = await startStandInModel({ recordRequests: true });
    models.push(reviewer);
    const { run } = await agentThenReview('TASK-0008', reviewer, 'refactor', ['src/take.js']);
    const r = await run({ mode: 'gate' });
    expect(r).toMatchObject({
      verdict: 'request_changes',
      by: 'model',
      comments: [expect.objectContaining({ file: 'src/take.js', line: 11 })],
    });
    expect(r.summary).toContain('`if (i < n) {` became `if (i <= n) {`');
    const body = reviewer.bodies[0] as {
      system: { text: string }[];
      messages: { content: string }[];
      tools: { name: string }[];
    };
    const prompt = JSON.stringify(body.messages[0].content);
    // The whole function, from its doc comment's end to its closing brace, not three lines either side.
    expect(prompt).toContain('function firstN(items, n) {');
    expect(prompt).toContain('return out;');
    expect(body.system[0].text).toContain('boundary conditions (< versus <=');
    expect(body.tools.map((t) => t.name)).toEqual(
      expect.arrayContaining(['view_file', 'view_base_file', 'search', 'submit_review']),
    );
  });

  it('the stand-in reviewer requests changes, tied to file and line, when a non-tests task edits an expected value; approves a tests task', async () => {
    const m = await model([{ kind: 'thinking' }]);
    const client = new Anthropic({ apiKey: 'k', baseURL: m.url, maxRetries: 0 });
    const review = (category: string) =>
      runReviewLoop({
        client,
        model: 'claude-haiku-4-5',
        system: taskReviewSystem(),
        prompt: taskReviewPrompt({
          taskId: 'TASK-0009',
          attempt: 1,
          taskFile: `---\nid: TASK-0009\ncategory: ${category}\n---\n`,
          summary: 'Fixed add.',
          edited: ['test/math.test.js'],
          tests: { command: 'npm test', passed: true },
          diff: EXPECTATION_EDIT,
        }),
        tools: [],
        maxTurns: 3,
      });
    const rejected = await review('refactor');
    expect(rejected.verdict).toMatchObject({
      verdict: 'request_changes',
      comments: [expect.objectContaining({ file: 'test/math.test.js', line: 4 })],
    });
    expect(rejected.verdict!.summary).toContain('TASK-0009 makes its tests pass by changing what they expect');
    expect(rejected.usage.outputTokens).toBeGreaterThan(0);
    expect((await review('tests')).verdict).toMatchObject({ verdict: 'approve', comments: [] });
    expect(m.fired).toEqual([{ kind: 'thinking', taskId: 'TASK-0009', turn: 1 }]);
  });
});
