import { CancelledFailure } from '@temporalio/common';
import { DefaultLogger } from '@temporalio/worker';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { simpleGit } from 'simple-git';
import { createAgentActivities } from '../../activities';
import type { AgentTaskInput } from '../../activities/agent/agent-turns';
import { snapshotTree } from '../../activities/agent/checkpoint';
import type { AgentStart, AgentTurn, TokenUsage } from '../../core/types';
import { addUsage, noUsage } from '../../core/usage';
import { type Fault } from '../../dev/stand-in-faults';
import { startStandInModel, type StandInModel } from '../../dev/stand-in-model';
import { activityEnv, agentInput } from '../helpers/agent-conversation';
import { waitFor } from '../helpers/run-helpers';
import { makeSampleRepo } from '../helpers/sample-repo';

/**
 * The durable agent's activities (startAgent, agentTurn), each in a mock activity context of its own (its own
 * activityId, as Temporal schedules each turn), driven the way workflows/task/agent-turns.ts drives them, against the
 * stand-in over HTTP through the real SDK.
 */
describe('durable agent turns', () => {
  let repo: string;
  let baseSha: string;
  let model: StandInModel | undefined;
  const models: StandInModel[] = [];
  let n = 0;
  const logger = new DefaultLogger('ERROR');

  beforeAll(async () => {
    repo = await makeSampleRepo();
    baseSha = (await simpleGit(repo).revparse(['HEAD'])).trim();
  });
  afterEach(async () => {
    await Promise.all(models.splice(0).map((m) => m.close()));
    model = undefined;
  });

  /** A worker "host": its own worktree folder and activities. */
  const host = (url: string) => {
    const worktreeRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-turns-wt-'));
    return {
      worktreeRoot,
      acts: createAgentActivities({ worktreeRoot, modelAccess: { apiKey: 'test-key', baseURL: url } }),
    };
  };

  async function setup(faults: Fault[] = [], latencyMs = 0) {
    model = await startStandInModel({ faults, latencyMs });
    models.push(model);
    const runId = `turns${++n}`;
    const input = agentInput(runId, repo, 'TASK-0001', baseSha, 10, 'node --test test/');
    let scheduled = 0;
    /** A fresh mock context per scheduled activity (its own activityId), as Temporal gives each turn; `attempt` is Temporal's retry count. */
    const env = (attempt = 1, activityId = `${++scheduled}`) => activityEnv(runId, activityId, logger, attempt);
    const a = host(model.url);
    const taskDir = path.join(repo, '.flotilla/runs', runId, 'tasks/TASK-0001');
    return { input, env, ...a, worktree: path.join(a.worktreeRoot, runId, 'TASK-0001'), taskDir };
  }

  /** The workflow's loop: startAgent, then agentTurn until the conversation ends; the bill as the workflow keeps it. */
  async function drive(s: Awaited<ReturnType<typeof setup>>, over: Partial<AgentTaskInput> = {}) {
    const spent = noUsage();
    const start = (await s.env().run(s.acts.startAgent, { ...s.input, ...over })) as AgentStart;
    const turns: AgentTurn[] = [start.turn];
    addUsage(spent, start.turn.usage);
    while (!turns[turns.length - 1].final) {
      const t = (await s.env().run(s.acts.agentTurn, {
        runId: s.input.runId,
        repoPath: repo,
        taskId: 'TASK-0001',
        attempt: s.input.attempt,
        turn: turns.length + 1,
        spent: { ...spent },
      })) as AgentTurn;
      addUsage(spent, t.usage);
      turns.push(t);
    }
    return { start, turns, spent, last: turns[turns.length - 1] };
  }

  const requests = () => model!.log.filter((e) => e.kind === 'agent').map((e) => `${e.turn}:${e.status}`);
  const documented = (worktree: string) =>
    fs
      .readFileSync(path.join(worktree, 'src/math.js'), 'utf8')
      .includes('/** Adds two numbers. */\nfunction add(a, b) {');

  it('runs one model request per activity; results are small, and the conversation stays on disk', async () => {
    const s = await setup();
    const { start, turns, spent, last } = await drive(s);
    expect(start).toMatchObject({ rateLimited: false, transcriptPath: path.join(s.taskDir, 'transcript-1.json') });
    expect(turns.map((t) => [t.turn, t.outcome, t.tools, t.edited])).toEqual([
      [1, 'continue', ['str_replace src/math.js'], ['src/math.js']],
      [2, 'ok', [], ['src/math.js']],
    ]);
    expect(last.final).toEqual({ ok: true, summary: expect.stringContaining('Document add') });
    expect(requests()).toEqual(['1:200', '2:200']);
    expect(documented(s.worktree)).toBe(true);
    // What goes into history is small: no prompt, no file contents, no transcript.
    for (const r of [start, ...turns]) {
      expect(JSON.stringify(r).length).toBeLessThan(1000);
      expect(JSON.stringify(r)).not.toContain('Adds two numbers');
    }
    // The conversation is on disk: its start (system prompt and task prompt), each turn's checkpoint, the transcript.
    const files = fs.readdirSync(s.taskDir);
    expect(files).toEqual(
      expect.arrayContaining([
        'transcript-1.json',
        expect.stringMatching(/^agent-run-turns\d+-1\.json$/),
        expect.stringMatching(/-turn-2\.json$/),
      ]),
    );
    expect(JSON.parse(fs.readFileSync(start.transcriptPath, 'utf8')).map((m: { role: string }) => m.role)).toEqual([
      'user',
      'assistant',
      'user',
      'assistant',
    ]);
    // The ledger: one file per scheduled activity and try (activityId 1 and 2, try 1).
    expect(files.filter((f) => f.startsWith('spent-')).sort()).toEqual([
      `spent-run-${s.input.runId}-1-a1.1.json`,
      `spent-run-${s.input.runId}-1-a2.1.json`,
    ]);
    expect(spent.costUsd).toBeGreaterThan(0);
    // Turn 2 ran no tool that writes: its checkpoint keeps turn 1's tree (no snapshot), which is the worktree as it is.
    const treeOf = (n: number) =>
      JSON.parse(
        fs.readFileSync(
          path.join(
            s.taskDir,
            files.find((f) => f.endsWith(`-turn-${n}.json`))!,
          ),
          'utf8',
        ),
      ).tree;
    expect(treeOf(2)).toBe(treeOf(1));
    expect(await snapshotTree(s.worktree)).toBe(treeOf(2));
  });

  it('a host that stopped mid-conversation: startAgent on another host goes on from the last checkpoint, asking nothing again', async () => {
    const s = await setup();
    const start = (await s.env().run(s.acts.startAgent, s.input)) as AgentStart;
    expect(start.turn.outcome).toBe('continue');
    // The host dies with its worktree; the task starts the attempt again, and another host takes it.
    fs.rmSync(s.worktree, { recursive: true, force: true });
    const other = host(model!.url);
    const again = (await s.env().run(other.acts.startAgent, s.input)) as AgentStart;
    expect(again.turn).toMatchObject({ turn: 1, outcome: 'continue', replayed: true, edited: ['src/math.js'] });
    // Nothing new was paid for by this activity: the first turn was reported by the first startAgent.
    expect(again.turn.usage).toEqual(noUsage());
    const moved = path.join(other.worktreeRoot, s.input.runId, 'TASK-0001');
    expect(documented(moved)).toBe(true);
    const t2 = (await s.env().run(other.acts.agentTurn, {
      runId: s.input.runId,
      repoPath: repo,
      taskId: 'TASK-0001',
      attempt: 1,
      turn: 2,
      spent: start.turn.usage,
    })) as AgentTurn;
    expect(t2).toMatchObject({ turn: 2, outcome: 'ok', final: { ok: true } });
    expect(requests()).toEqual(['1:200', '2:200']);
  });

  it('a retry of a turn puts the worktree back as the last checkpoint left it before asking again', async () => {
    const s = await setup([{ kind: 'server_error', taskId: 'TASK-0001', turn: 2 }]);
    const start = (await s.env().run(s.acts.startAgent, s.input)) as AgentStart;
    const turn2 = {
      runId: s.input.runId,
      repoPath: repo,
      taskId: 'TASK-0001',
      attempt: 1,
      turn: 2,
      spent: start.turn.usage,
    };
    await expect(s.env(1, 'turn-2').run(s.acts.agentTurn, turn2)).rejects.toMatchObject({ type: 'ModelApiError' });
    // What a dying try could leave behind: a half-applied edit and a stray file.
    fs.writeFileSync(path.join(s.worktree, 'src/math.js'), 'half an edit');
    fs.writeFileSync(path.join(s.worktree, 'stray.txt'), 'x');
    const t2 = (await s.env(2, 'turn-2').run(s.acts.agentTurn, turn2)) as AgentTurn;
    expect(t2).toMatchObject({ turn: 2, outcome: 'ok', final: { ok: true }, edited: ['src/math.js'] });
    expect(documented(s.worktree)).toBe(true);
    expect(fs.existsSync(path.join(s.worktree, 'stray.txt'))).toBe(false);
    expect(requests()).toEqual(['1:200', '2:500', '2:200']);
  });

  it.each([
    ['truncated_tool_call', ['(cut off)']],
    ['malformed_tool_input', ['str_replace src/math.js']],
  ])('%s costs a turn, and the task still gets done', async (kind, notes) => {
    const s = await setup([{ kind: kind as Fault['kind'], ...(kind === 'truncated_tool_call' ? { times: 2 } : {}) }]);
    const { turns, last } = await drive(s);
    expect(turns[0].tools).toEqual(notes);
    expect(last).toMatchObject({ turn: 3, final: { ok: true } });
    expect(documented(s.worktree)).toBe(true);
  });

  it('ends at the turn limit, and over the token budget, with reasons that say what to do', async () => {
    const limited = await drive(await setup(), { maxTurns: 1 });
    expect(limited.turns).toHaveLength(1);
    expect(limited.last).toMatchObject({
      outcome: 'max_turns',
      final: {
        ok: false,
        reason: 'the agent did not finish within its limit of 1 turn; raise --max-turns or split the task',
      },
    });
    const budget = await drive(await setup(), { tokenBudget: 10 });
    expect(budget.last).toMatchObject({
      turn: 1,
      outcome: 'over_budget',
      final: { ok: false, reason: expect.stringContaining('budget exceeded') },
    });
  });

  it('the budget counts what the earlier turns spent (the workflow passes it), and heartbeats carry the cost so far', async () => {
    // Turn 1 is cut off twice (a turn without an edit), so turn 2 is the one that asks for a tool.
    const s = await setup([{ kind: 'truncated_tool_call', times: 2 }]);
    const start = (await s.env().run(s.acts.startAgent, { ...s.input, tokenBudget: 1_000_000 })) as AgentStart;
    expect(start.turn.outcome).toBe('continue');
    const spentBefore: TokenUsage = {
      inputTokens: 999_990,
      outputTokens: 0,
      cacheWriteTokens: 0,
      cacheReadTokens: 0,
      costUsd: 1,
    };
    const e = s.env();
    const beats: unknown[] = [];
    e.on('heartbeat', (d) => beats.push(d));
    const t2 = (await e.run(s.acts.agentTurn, {
      runId: s.input.runId,
      repoPath: repo,
      taskId: 'TASK-0001',
      attempt: 1,
      turn: 2,
      spent: spentBefore,
    })) as AgentTurn;
    expect(t2).toMatchObject({
      turn: 2,
      outcome: 'over_budget',
      tools: [],
      final: { ok: false, reason: expect.stringContaining('more than --max-tokens-per-task 1000000 tokens') },
    });
    expect(beats[0]).toEqual({ turn: 2, costUsd: 1 });
    expect(beats[beats.length - 1]).toEqual({ turn: 2, costUsd: 1 + t2.usage.costUsd! });
  });

  it('a cancelled turn aborts its model call in flight', async () => {
    const s = await setup([], 5_000);
    const e = s.env();
    const started = Date.now();
    const running = e.run(s.acts.startAgent, s.input);
    await waitFor(() => model!.requests >= 1, {
      what: 'the model request to reach the stand-in',
      timeoutMs: 4_000,
      intervalMs: 20,
    });
    e.cancel();
    await expect(running).rejects.toBeInstanceOf(CancelledFailure);
    expect(Date.now() - started).toBeLessThan(4_000);
  });
});
