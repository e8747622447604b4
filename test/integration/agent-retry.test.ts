import { Client, Connection } from '@temporalio/client';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { defaultPayloadConverter } from '@temporalio/common';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { simpleGit } from 'simple-git';
import { createAgentActivities } from '../../activities';
import { totalTokens } from '../../activities/agent/agent-loop';
import { lostUsageActivities } from '../../activities/agent/lost-usage';
import type { AgentOutcome } from '../../core/types';
import { type Fault } from '../../dev/stand-in-faults';
import { startStandInModel, type StandInModel } from '../../dev/stand-in-model';
import { agentInput } from '../helpers/agent-conversation';
import { makeSampleRepo } from '../helpers/sample-repo';
import { agentTurnsOnce } from './agent-retry-workflow';

type Activities = ReturnType<typeof createAgentActivities>;
/** Wraps the activities, e.g. to fail one after it did its work (as a worker that died before it could report). */
type Wrap = (acts: Activities) => Activities;

/** The agent under Temporal's retry policy (a real dev server): retry-after is honoured, a rejected key is not retried. */
describe('the agent retries under Temporal', () => {
  let repo: string;
  let baseSha: string;
  let bundle: { code: string };
  let native: NativeConnection;
  let client: Client;
  const worktreeRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-retry-wt-'));

  beforeAll(async () => {
    const address = process.env.FLOTILLA_TEST_TEMPORAL;
    if (!address)
      throw new Error(
        'FLOTILLA_TEST_TEMPORAL is not set: run the tests through jest (test/global-setup.ts starts the server)',
      );
    try {
      Runtime.install({ logger: new DefaultLogger('ERROR') });
    } catch {
      /* another test file in this process installed it */
    }
    repo = await makeSampleRepo();
    baseSha = (await simpleGit(repo).revparse(['HEAD'])).trim();
    bundle = await bundleWorkflowCode({
      workflowsPath: require.resolve('./agent-retry-workflow'),
      logger: new DefaultLogger('ERROR'),
    });
    native = await NativeConnection.connect({ address });
    client = new Client({ connection: await Connection.connect({ address }), namespace: 'default' });
  }, 120_000);
  afterAll(async () => {
    await native?.close();
    await client?.connection.close();
  });

  async function runWith(
    faults: Fault[],
    runId: string,
    opts: { wrap?: Wrap; task?: string } = {},
  ): Promise<{ result: Promise<unknown>; model: StandInModel; workflowId: string }> {
    const model = await startStandInModel({ faults });
    const taskQueue = `agent-retry-${runId}-${Date.now()}`;
    const acts = createAgentActivities({ worktreeRoot, modelAccess: { apiKey: 'test-key', baseURL: model.url } });
    const worker = await Worker.create({
      connection: native,
      namespace: 'default',
      taskQueue,
      workflowBundle: bundle,
      activities: { ...(opts.wrap ? opts.wrap(acts) : acts), ...lostUsageActivities },
    });
    const taskId = opts.task ?? 'TASK-0001';
    const input = agentInput(runId, repo, taskId, baseSha, 10, 'node --test test/');
    const workflowId = `agent-retry-${runId}-${Date.now()}`;
    const result = worker
      .runUntil(client.workflow.execute(agentTurnsOnce, { taskQueue, workflowId, args: [input] }))
      .finally(() => model.close());
    return { result, model, workflowId };
  }

  it('waits the retry-after of a 429 before the retry, which succeeds', async () => {
    const { result, model } = await runWith([{ kind: 'rate_limit', taskId: 'TASK-0001', retryAfterSeconds: 4 }], 'rl');
    await expect(result).resolves.toMatchObject({ ok: true, edited: ['src/math.js'] });
    const [limited, retried] = model.log;
    expect(limited.status).toBe(429);
    expect(retried.status).toBe(200);
    // Flotilla's retry policy would wait 2 s; the API asked for 4 s.
    expect(retried.at - limited.at).toBeGreaterThanOrEqual(4000);
  });

  it('retries a dropped connection', async () => {
    const { result, model } = await runWith([{ kind: 'drop_connection', taskId: 'TASK-0001' }], 'drop');
    await expect(result).resolves.toMatchObject({ ok: true });
    expect(model.log.map((e) => e.status)).toEqual(['dropped', 200, 200]);
  });

  describe('as durable turns (the loop in the workflow, each model turn an activity)', () => {
    let calm: AgentOutcome;
    beforeAll(async () => {
      calm = (await (await runWith([], 'turns-clean')).result) as AgentOutcome;
    });
    const turnsOf = (model: StandInModel) =>
      model.log.filter((e) => e.kind === 'agent').map((e) => `${e.turn}:${e.status}`);

    it('a clean conversation: one model request per turn', () => {
      expect(calm).toMatchObject({ ok: true, edited: ['src/math.js'], turns: 2 });
      // Input of any kind: over the cache minimum the stand-in bills the prompt as cache writes and reads, as the API does.
      expect(calm.usage.inputTokens + calm.usage.cacheWriteTokens + calm.usage.cacheReadTokens).toBeGreaterThan(0);
    });

    it('a 500 at turn 2: the retry of that turn asks turn 2 again, not turn 1, and the bill counts every answered turn once', async () => {
      const broken = await runWith([{ kind: 'server_error', taskId: 'TASK-0001', turn: 2 }], 'turns-500');
      const retried = (await broken.result) as AgentOutcome;
      expect(retried).toMatchObject({ ok: true, edited: ['src/math.js'], turns: 2 });
      expect(turnsOf(broken.model)).toEqual(['1:200', '2:500', '2:200']);
      expect(retried.usage.outputTokens).toBe(calm.usage.outputTokens);
      expect(totalTokens(retried.usage)).toBe(totalTokens(calm.usage));
      expect(retried.usage.costUsd).toBeCloseTo(calm.usage.costUsd!, 12);
    });

    it.each([1, 2])(
      'turn %i answered and checkpointed, then its try fails before reporting: the retry answers from the checkpoint, asking nothing again',
      async (n) => {
        // As a worker that died between the model's answer (paid, acted on, checkpointed) and reporting the activity's completion.
        const dieAfter: Wrap = (acts) => {
          const fails = async <T>(turn: number, result: T): Promise<T> => {
            if (turn === n && Context.current().info.attempt === 1)
              throw ApplicationFailure.retryable(`the worker died after turn ${turn} was answered`, 'WorkerDied');
            return result;
          };
          return {
            ...acts,
            startAgent: async (a) => fails(1, await acts.startAgent(a)),
            agentTurn: async (a) => fails(a.turn, await acts.agentTurn(a)),
          };
        };
        const run = await runWith([], `turns-died-${n}`, { wrap: dieAfter });
        const outcome = (await run.result) as AgentOutcome;
        expect(outcome).toMatchObject({ ok: true, edited: ['src/math.js'], turns: 2 });
        expect(turnsOf(run.model)).toEqual(['1:200', '2:200']);
        // The try that died had paid for its turn: the retry reports it (from the ledger), once.
        expect(totalTokens(outcome.usage)).toBe(totalTokens(calm.usage));
        expect(outcome.usage.costUsd).toBeCloseTo(calm.usage.costUsd!, 12);
        // Each turn is its own activity in the history, with a summary naming the task, the attempt and the turn.
        const scheduled = ((await client.workflow.getHandle(run.workflowId).fetchHistory()).events ?? []).filter(
          (e) => e.activityTaskScheduledEventAttributes,
        );
        expect(scheduled.map((e) => e.activityTaskScheduledEventAttributes!.activityType!.name)).toEqual([
          'startAgent',
          'agentTurn',
        ]);
        const summaries = scheduled.map((e) => defaultPayloadConverter.fromPayload<string>(e.userMetadata!.summary!));
        expect(summaries[0]).toMatch(/^TASK-0001 attempt 1, turn 1 \(claude-haiku-4-5\)/);
        expect(summaries[1]).toBe('TASK-0001 attempt 1, turn 2 (claude-haiku-4-5)');
      },
    );

    it('a turn that fails for good after it was paid for: the bill still counts it (the ledger), once', async () => {
      const failAfterTurn2: Wrap = (acts) => ({
        ...acts,
        agentTurn: async (a) => {
          await acts.agentTurn(a);
          throw ApplicationFailure.nonRetryable('the turn failed after its answer', 'Broken');
        },
      });
      const run = await runWith([], 'turns-lost', { wrap: failAfterTurn2 });
      const outcome = (await run.result) as AgentOutcome;
      expect(outcome.reason).toBe('Broken (non-retryable): the turn failed after its answer');
      expect(turnsOf(run.model)).toEqual(['1:200', '2:200']);
      // Turn 1 came with startAgent's result; turn 2's result never did: lostAgentUsage adds it from the ledger.
      expect(totalTokens(outcome.usage)).toBe(totalTokens(calm.usage));
      expect(outcome.usage.costUsd).toBeCloseTo(calm.usage.costUsd!, 12);
    });

    it('never retries a rejected key', async () => {
      const run = await runWith([{ kind: 'unauthorized', times: 10 }], 'turns-auth');
      const outcome = (await run.result) as AgentOutcome;
      expect(outcome.reason).toMatch(/^AgentConfigError \(non-retryable\): ANTHROPIC_API_KEY was rejected/);
      expect(run.model.log).toHaveLength(1);
    });
  });
});
