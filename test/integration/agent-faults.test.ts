import Anthropic from '@anthropic-ai/sdk';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { simpleGit } from 'simple-git';
import { createAgentActivities } from '../../activities';
import { type AgentOutcome } from '../../core/types';
import { type Fault } from '../../dev/stand-in-faults';
import { startStandInModel, type StandInModel } from '../../dev/stand-in-model';
import { resolveModelAccess } from '../../client/model-access';
import { agentInput, converse } from '../helpers/agent-conversation';
import { waitFor } from '../helpers/run-helpers';
import { makeSampleRepo } from '../helpers/sample-repo';

/** The agent's conversation (startAgent, then agentTurn until it ends), in a mock activity context, against the stand-in over HTTP through the real SDK. */
describe('the agent against a hostile stand-in', () => {
  let repo: string;
  let baseSha: string;
  let worktreeRoot: string;
  let model: StandInModel | undefined;
  let n = 0;

  beforeAll(async () => {
    repo = await makeSampleRepo();
    baseSha = (await simpleGit(repo).revparse(['HEAD'])).trim();
    worktreeRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-agent-wt-'));
  });
  afterEach(async () => {
    await model?.close();
    model = undefined;
  });

  async function setup(faults: Fault[], latencyMs = 0) {
    model = await startStandInModel({ faults, latencyMs });
    const runId = `run${++n}`;
    const acts = createAgentActivities({ worktreeRoot, modelAccess: { apiKey: 'test-key', baseURL: model.url } });
    const env = new MockActivityEnvironment(undefined, { logger: new DefaultLogger('ERROR') });
    const input = agentInput(runId, repo, 'TASK-0001', baseSha, 10, 'node --test test/');
    const attempt = (k: number, over: Partial<typeof input> = {}) =>
      converse(env, acts, { ...input, ...over, attempt: k });
    return {
      attempt,
      env,
      acts,
      input,
      worktree: path.join(worktreeRoot, runId, 'TASK-0001'),
      runDir: path.join(worktreeRoot, runId),
    };
  }

  const expectDone = (r: AgentOutcome, worktree: string) => {
    expect(r).toMatchObject({ ok: true, edited: ['src/math.js'], turns: 2 });
    expect(fs.readFileSync(path.join(worktree, 'src/math.js'), 'utf8')).toContain(
      '/** Adds two numbers. */\nfunction add(a, b) {',
    );
    // Prompts over the cache minimum are billed as cache writes and reads (the stand-in bills as the API does).
    expect(r.usage.inputTokens + r.usage.cacheWriteTokens + r.usage.cacheReadTokens).toBeGreaterThan(0);
    expect(r.usage.costUsd).toBeCloseTo(
      (r.usage.inputTokens * 1 +
        r.usage.outputTokens * 5 +
        r.usage.cacheWriteTokens * 1.25 +
        r.usage.cacheReadTokens * 0.1) /
        1e6,
      12,
    );
  };

  it.each([
    ['rate_limit', { kind: 'rate_limit', retryAfterSeconds: 7 } as Fault, 'rate limited', 7000],
    ['overloaded', { kind: 'overloaded', retryAfterSeconds: 2 } as Fault, 'overloaded', 2000],
    ['server_error', { kind: 'server_error', turn: 2 } as Fault, 'failed', undefined],
    ['drop_connection', { kind: 'drop_connection' } as Fault, 'could not reach the model API', undefined],
  ])(
    '%s fails the attempt as a retryable ApplicationFailure; the retry succeeds',
    async (_name, fault, text, delay) => {
      const { attempt, worktree } = await setup([{ ...fault, taskId: 'TASK-0001' }]);
      const err = await attempt(1).catch((e) => e);
      expect(err).toBeInstanceOf(ApplicationFailure);
      expect(err).toMatchObject({ nonRetryable: false, type: 'ModelApiError' });
      expect(err.message).toContain(text);
      expect(err.nextRetryDelay).toBe(delay);
      expect(model!.fired).toHaveLength(1);
      expectDone(await attempt(1), worktree);
    },
  );

  it('a retry after a mid-conversation failure resumes at the last complete turn: no answered request is sent again', async () => {
    const { attempt, worktree, acts, input } = await setup([{ kind: 'server_error', taskId: 'TASK-0001', turn: 2 }]);
    await expect(attempt(1)).rejects.toBeInstanceOf(ApplicationFailure);
    // Temporal's retry of the same turn (its try 2, same workflow run): the worktree is rebuilt from turn 1's checkpoint.
    fs.rmSync(worktree, { recursive: true, force: true });
    const retry = new MockActivityEnvironment({ attempt: 2 }, { logger: new DefaultLogger('ERROR') });
    const turn2 = await retry.run(acts.agentTurn, {
      runId: input.runId,
      repoPath: input.repoPath,
      taskId: input.taskId,
      attempt: 1,
      turn: 2,
      spent: { inputTokens: 0, outputTokens: 0, cacheWriteTokens: 0, cacheReadTokens: 0 },
    });
    expect(turn2).toMatchObject({ turn: 2, edited: ['src/math.js'], final: { ok: true } });
    expect(fs.readFileSync(path.join(worktree, 'src/math.js'), 'utf8')).toContain(
      '/** Adds two numbers. */\nfunction add(a, b) {',
    );
    const turns = model!.log.filter((e) => e.taskId === 'TASK-0001').map((e) => `${e.turn}:${e.status}`);
    // Turn 1 was answered (and its edit made) once; turn 2 failed once and was asked again after the resume.
    expect(turns).toEqual(['1:200', '2:500', '2:200']);
  });

  it('a re-run of a finished task attempt (its host died after the agent) replays the result from the checkpoint: no model call', async () => {
    const { attempt, worktree } = await setup([]);
    const first = await attempt(1);
    expectDone(first, worktree);
    const asked = model!.log.length;
    // The host that held the worktree is gone: the task's same attempt runs its agent again on another worker.
    fs.rmSync(worktree, { recursive: true, force: true });
    const again = await attempt(1);
    expect(model!.log.length).toBe(asked);
    expect(again).toMatchObject({
      ok: true,
      replayed: true,
      edited: first.edited,
      turns: first.turns,
      summary: first.summary,
    });
    expect(again.usage.inputTokens).toBe(0);
    expect(fs.readFileSync(path.join(worktree, 'src/math.js'), 'utf8')).toContain(
      '/** Adds two numbers. */\nfunction add(a, b) {',
    );
  });

  it('a rejected key is a final AgentConfigError that says what to do', async () => {
    const { attempt } = await setup([{ kind: 'unauthorized', times: 5 }]);
    const err = await attempt(1).catch((e) => e);
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect(err).toMatchObject({ nonRetryable: true, type: 'AgentConfigError' });
    expect(err.message).toContain('ANTHROPIC_API_KEY was rejected');
    expect(err.message).toContain('Set a valid key');
  });

  it('a fault for another task leaves this one alone', async () => {
    const { attempt, worktree } = await setup([{ kind: 'unauthorized', taskId: 'TASK-0002' }]);
    expectDone(await attempt(1), worktree);
    expect(model!.fired).toEqual([]);
  });

  it.each([
    ['truncated_tool_call', 'Your last reply was cut off'],
    ['malformed_tool_input', 'str_replace needs old_str'],
    ['outside_path', 'outside the repository'],
  ])('%s costs a turn, writes nothing outside the worktree, and the task still gets done', async (kind, text) => {
    // A cut-off tool call is asked again once with a higher max_tokens: cut twice, it costs a turn.
    const { attempt, worktree, runDir } = await setup([
      { kind: kind as Fault['kind'], ...(kind === 'truncated_tool_call' ? { times: 2 } : {}) },
    ]);
    const r = await attempt(1);
    expect(r).toMatchObject({ ok: true, edited: ['src/math.js'], turns: 3 });
    expect(fs.readFileSync(r.transcriptPath, 'utf8')).toContain(text);
    expect(fs.readdirSync(runDir)).toEqual(['TASK-0001']);
    expect(fs.existsSync(path.resolve(worktree, '../outside.txt'))).toBe(false);
    expect(fs.readFileSync(path.join(worktree, 'src/math.js'), 'utf8')).toContain(
      '/** Adds two numbers. */\nfunction add(a, b) {',
    );
  });

  it('ends at the turn limit with a reason that says what to do', async () => {
    const { attempt } = await setup([]);
    const r = await attempt(1, { maxTurns: 1 });
    expect(r).toMatchObject({
      ok: false,
      reason: 'the agent did not finish within its limit of 1 turn; raise --max-turns or split the task',
    });
  });

  it('aborts the model call in flight when the activity is cancelled', async () => {
    const { attempt, env } = await setup([], 5_000);
    const started = Date.now();
    const running = attempt(1);
    // Cancel once the model request is in flight (the stand-in answers it after 5 s).
    await waitFor(() => model!.requests >= 1, {
      what: 'the model request to reach the stand-in',
      timeoutMs: 4_000,
      intervalMs: 20,
    });
    env.cancel();
    await expect(running).rejects.toBeInstanceOf(CancelledFailure);
    expect(Date.now() - started).toBeLessThan(4_000);
  });

  it('saves the transcript even when a model call fails', async () => {
    const { attempt } = await setup([{ kind: 'server_error', turn: 2 }]);
    await expect(attempt(3)).rejects.toBeInstanceOf(ApplicationFailure);
    const transcript = JSON.parse(
      fs.readFileSync(path.join(repo, '.flotilla/runs', `run${n}`, 'tasks/TASK-0001/transcript-3.json'), 'utf8'),
    );
    expect(transcript.map((m: { role: string }) => m.role)).toEqual(['user', 'assistant', 'user']);
  });

  describe('FLOTILLA_STAND_IN_FAULTS for worker subprocesses', () => {
    const saved = { key: process.env.ANTHROPIC_API_KEY, faults: process.env.FLOTILLA_STAND_IN_FAULTS };
    afterEach(() => {
      for (const [name, value] of [
        ['ANTHROPIC_API_KEY', saved.key],
        ['FLOTILLA_STAND_IN_FAULTS', saved.faults],
      ] as const) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    });

    it('starts the stand-in with the faults it lists', async () => {
      delete process.env.ANTHROPIC_API_KEY;
      process.env.FLOTILLA_STAND_IN_FAULTS = JSON.stringify([{ kind: 'overloaded', times: 1 }]);
      const lines: string[] = [];
      const { access, standIn } = await resolveModelAccess((l) => lines.push(l));
      try {
        expect(lines.join('\n')).toContain('injecting 1 fault(s) from FLOTILLA_STAND_IN_FAULTS');
        const client = new Anthropic({ apiKey: access.apiKey, baseURL: access.baseURL, maxRetries: 0 });
        const ask = () =>
          client.messages.create({
            model: 'claude-haiku-4-5',
            max_tokens: 100,
            messages: [{ role: 'user', content: 'Complete TASK-0009.' }],
          });
        await expect(ask()).rejects.toMatchObject({ status: 529 });
        await expect(ask()).resolves.toMatchObject({ stop_reason: 'end_turn' });
      } finally {
        await standIn?.close();
      }
    });

    it('refuses a malformed value with what it must look like', async () => {
      delete process.env.ANTHROPIC_API_KEY;
      process.env.FLOTILLA_STAND_IN_FAULTS = '[{"kind":"flood"}]';
      await expect(resolveModelAccess()).rejects.toThrow(/FLOTILLA_STAND_IN_FAULTS\[0\]\.kind must be one of/);
    });
  });
});
