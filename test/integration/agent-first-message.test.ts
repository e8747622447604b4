import { DefaultLogger } from '@temporalio/worker';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { simpleGit } from 'simple-git';
import { createAgentActivities, createTestActivities } from '../../activities';
import type { AgentTaskInput } from '../../activities/agent/agent-turns';
import type { AgentStart, AgentTurn, TestEvidence } from '../../core/types';
import { startStandInModel, type StandInModel } from '../../dev/stand-in-model';
import { activityEnv } from '../helpers/agent-conversation';
import { makeSampleRepo } from '../helpers/sample-repo';

/**
 * Issue 25: the work in the first message, a prefix every task of a run shares, and retries that learn. The
 * durable agent's activities run against the stand-in over HTTP (the real SDK), the gate's tests through the
 * tests queue's own activity; every request body is recorded as the API received it.
 */
describe('the first message: the work, a shared prefix, and what a retry learns', () => {
  let repo: string;
  let baseSha: string;
  let model: StandInModel;
  const logger = new DefaultLogger('ERROR');
  const worktreeRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-first-wt-'));

  beforeAll(async () => {
    repo = await makeSampleRepo();
    baseSha = (await simpleGit(repo).revparse(['HEAD'])).trim();
    model = await startStandInModel({ recordRequests: true });
  });
  afterAll(() => model.close());

  type Body = {
    system: { text: string }[];
    tools: unknown[];
    messages: { role: string; content: string | { type: string; text?: string }[] }[];
  };
  const bodies = () => model.bodies as unknown as Body[];
  const firstUserText = (b: Body) => {
    const c = b.messages[0].content;
    return typeof c === 'string' ? c : c.map((x) => x.text ?? '').join('\n');
  };
  const env = (runId: string, activityId: string) => activityEnv(runId, activityId, logger);
  const agents = () => createAgentActivities({ worktreeRoot, modelAccess: { apiKey: 'test-key', baseURL: model.url } });

  /** The workflow's loop for one task attempt: startAgent, then agentTurn until the conversation ends. */
  async function drive(input: AgentTaskInput) {
    const acts = agents();
    let n = 0;
    const start = (await env(input.runId, `${input.taskId}-${input.attempt}-${++n}`).run(
      acts.startAgent,
      input,
    )) as AgentStart;
    let last: AgentTurn = start.turn;
    while (!last.final) {
      last = (await env(input.runId, `${input.taskId}-${input.attempt}-${++n}`).run(acts.agentTurn, {
        runId: input.runId,
        repoPath: repo,
        taskId: input.taskId,
        attempt: input.attempt,
        turn: last.turn + 1,
        spent: last.usage,
      })) as AgentTurn;
    }
    return last;
  }
  const task = (runId: string, taskId: string, over: Partial<AgentTaskInput> = {}): AgentTaskInput => ({
    runId,
    repoPath: repo,
    taskId,
    baseSha,
    sourcePath: `tasks/${taskId}.md`,
    model: 'claude-haiku-4-5',
    maxTurns: 12,
    testCommand: 'npm test',
    attempt: 1,
    ...over,
  });

  it('two tasks of one run send byte-identical system prompt and tools; the first message carries the work', async () => {
    const from = bodies().length;
    await drive(task('first1', 'TASK-0001'));
    const firstOfOne = bodies().length;
    await drive(task('first1', 'TASK-0002'));
    const [a, b] = [bodies()[from], bodies()[firstOfOne]];
    expect(firstUserText(a)).toContain('Complete TASK-0001');
    expect(firstUserText(b)).toContain('Complete TASK-0002');
    expect(JSON.stringify(b.system)).toBe(JSON.stringify(a.system));
    expect(JSON.stringify(b.tools)).toBe(JSON.stringify(a.tools));
    // Nothing task-specific in the system prompt: no task id, no test command, no file.
    expect(a.system[0].text).not.toMatch(/TASK-000|npm test|math\.js/);
    const work = firstUserText(a);
    // The declared file, numbered as view numbers it.
    expect(work).toContain('<file path="src/math.js">\n     1\tfunction add(a, b) {\n     2\t  return a + b;');
    // The tests the gate will run for it (its own selection), and the gate's rules with this task's numbers.
    expect(work).toContain('test/math.test.js');
    expect(work).toContain('At most 200 changed lines');
    expect(work).toContain('Do not change what any test expects');
    expect(work).toContain('No console.log');
    expect(work).toContain(
      'Files the task declares: src/math.js. Any other file you change must be named in your final reply',
    );
    expect(work).toContain('Done checklist');
    expect(work).toContain('`cannot: <reason>`');
    expect(work).toContain('at most 12 turns');
  });

  it("the shared prefix is long enough to cache: a run's next task reads tools and system from the cache on its first request", async () => {
    const one = await drive(task('first2', 'TASK-0001'));
    expect(one.usage.cacheReadTokens + one.usage.cacheWriteTokens).toBeGreaterThan(0);
    const start = (await env('first2', 'TASK-0002-first').run(
      agents().startAgent,
      task('first2', 'TASK-0002'),
    )) as AgentStart;
    // The stand-in caches as the API does: nothing under 4,096 tokens (Haiku 4.5), the API's tool prompt counted.
    expect(start.turn.usage.cacheReadTokens).toBeGreaterThanOrEqual(4_096);
  });

  it("a second attempt's first request carries the first attempt's diff, the gate's verdict and each failing test's block", async () => {
    const runId = 'retry1';
    const first = await drive(task(runId, 'TASK-0004', { testCommand: 'node --test test/math.test.js' }));
    expect(first.final?.ok).toBe(true);
    // The gate: the tests queue's own activity, in the attempt's worktree (TASK-0004 turns + into -, so add's test goes red).
    const tests = createTestActivities({ worktreeRoot });
    const evidence = (await env(runId, 'tests-1').run(tests.runTaskTests, {
      runId,
      repoPath: repo,
      taskId: 'TASK-0004',
      command: 'node --test test/math.test.js',
      attempt: 1,
      baseline: { failing: [], flaky: [] },
    })) as TestEvidence;
    expect(evidence.passed).toBe(false);
    const from = bodies().length;
    await drive(
      task(runId, 'TASK-0004', {
        testCommand: 'node --test test/math.test.js',
        attempt: 2,
        feedback: evidence.tail,
        failingTests: evidence.failingTests,
        ...(evidence.verdict ? { testVerdict: evidence.verdict } : {}),
      }),
    );
    const work = firstUserText(bodies()[from]);
    expect(work).toContain('Attempt 1 at this task was refused by the tests');
    expect(work).toContain('<previous_diff>');
    expect(work).toMatch(/-  return a \+ b;\n\+  return a - b;/);
    expect(work).toContain(`Tests it made fail: ${evidence.failingTests[0]}`);
    expect(work).toContain('<failures>');
    // node:test's own report of the failed assertion: the values it compared.
    expect(work).toMatch(/<failures>[\s\S]*add adds two numbers[\s\S]*(-1|expected)[\s\S]*<\/failures>/);
    expect(work).toContain('fix the code, not the tests');
  });
});
