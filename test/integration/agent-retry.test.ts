import { Client, Connection, WorkflowFailedError } from '@temporalio/client';
import { ActivityFailure, ApplicationFailure } from '@temporalio/common';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { simpleGit } from 'simple-git';
import { createAgentActivities } from '../../activities';
import { totalTokens } from '../../activities/agent/agent-loop';
import type { TokenUsage } from '../../core/types';
import { Fault } from '../../dev/stand-in-faults';
import { startStandInModel, StandInModel } from '../../dev/stand-in-model';
import { makeSampleRepo } from '../helpers/sample-repo';
import { agentOnce } from './agent-retry-workflow';

/** runAgent under Temporal's retry policy (a real dev server): retry-after is honoured, a rejected key is not retried. */
describe('runAgent retries under Temporal', () => {
  let repo: string;
  let baseSha: string;
  let bundle: { code: string };
  let native: NativeConnection;
  let client: Client;
  const worktreeRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-retry-wt-'));

  beforeAll(async () => {
    const address = process.env.FLOTILLA_TEST_TEMPORAL;
    if (!address) throw new Error('FLOTILLA_TEST_TEMPORAL is not set: run the tests through jest (test/global-setup.ts starts the server)');
    try {
      Runtime.install({ logger: new DefaultLogger('ERROR') });
    } catch {
      /* another test file in this process installed it */
    }
    repo = await makeSampleRepo();
    baseSha = (await simpleGit(repo).revparse(['HEAD'])).trim();
    bundle = await bundleWorkflowCode({ workflowsPath: require.resolve('./agent-retry-workflow'), logger: new DefaultLogger('ERROR') });
    native = await NativeConnection.connect({ address });
    client = new Client({ connection: await Connection.connect({ address }), namespace: 'default' });
  }, 120_000);
  afterAll(async () => {
    await native?.close();
    await client?.connection.close();
  });

  async function runWith(faults: Fault[], runId: string): Promise<{ result: Promise<unknown>; model: StandInModel }> {
    const model = await startStandInModel({ faults });
    const taskQueue = `agent-retry-${runId}-${Date.now()}`;
    const worker = await Worker.create({ connection: native, namespace: 'default', taskQueue, workflowBundle: bundle, activities: createAgentActivities({ worktreeRoot, modelAccess: { apiKey: 'test-key', baseURL: model.url } }) });
    const input = { runId, repoPath: repo, taskId: 'TASK-0001', baseSha, sourcePath: 'tasks/TASK-0001.md', model: 'claude-haiku-4-5', maxTurns: 10, testCommand: 'node --test test/', attempt: 1 };
    const result = worker.runUntil(client.workflow.execute(agentOnce, { taskQueue, workflowId: `agent-retry-${runId}-${Date.now()}`, args: [input] })).finally(() => model.close());
    return { result, model };
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

  it('a try that died mid-conversation: the retry goes on from its last complete turn, and the bill counts every answered turn once', async () => {
    const clean = await runWith([], 'clean');
    const calm = (await clean.result) as { usage: TokenUsage };
    // Turn 1 is answered (paid for, its edit made and checkpointed), turn 2 fails with a 500: Temporal retries the
    // activity, which restores the conversation and the worktree and asks turn 2 again, not turn 1.
    const broken = await runWith([{ kind: 'server_error', taskId: 'TASK-0001', turn: 2 }], 'lost');
    const retried = (await broken.result) as { ok: boolean; usage: TokenUsage };
    expect(retried.ok).toBe(true);
    expect(broken.model.log.map((e) => `${e.turn}:${e.status}`)).toEqual(['1:200', '2:500', '2:200']);
    // The stand-in is deterministic: the same answered turns as the clean run, each paid once.
    expect(retried.usage.outputTokens).toBe(calm.usage.outputTokens);
    expect(totalTokens(retried.usage)).toBe(totalTokens(calm.usage));
  });

  it('never retries a rejected key: the workflow sees a non-retryable AgentConfigError', async () => {
    const { result, model } = await runWith([{ kind: 'unauthorized', times: 10 }], 'auth');
    const err = await result.catch((e) => e);
    expect(err).toBeInstanceOf(WorkflowFailedError);
    const activity = (err as WorkflowFailedError).cause as ActivityFailure;
    expect(activity).toBeInstanceOf(ActivityFailure);
    expect(activity.cause).toBeInstanceOf(ApplicationFailure);
    expect(activity.cause).toMatchObject({ type: 'AgentConfigError', nonRetryable: true });
    expect(activity.cause!.message).toContain('ANTHROPIC_API_KEY was rejected');
    expect(model.log).toHaveLength(1);
  });
});
