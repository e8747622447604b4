import { DefaultLogger } from '@temporalio/worker';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { simpleGit } from 'simple-git';
import { createAgentActivities } from '../../activities';
import { EMPTY_REPLY } from '../../activities/agent/agent-loop';
import type { Fault } from '../../dev/stand-in-faults';
import { startStandInModel, type StandInModel, type StandInOptions } from '../../dev/stand-in-model';
import { activityEnv, agentInput, agentTurns } from '../helpers/agent-conversation';
import { makeSampleRepo, SAMPLE_FILES } from '../helpers/sample-repo';

/**
 * Issue 25: what a real model does that the happy path never shows, played by the stand-in over HTTP and met
 * by the durable agent's activities: a prose task it cannot do, an empty end_turn, a tool call cut off by
 * max_tokens, and a prompt longer than the context window (the API's 400).
 */
describe('the agent meets the hard parts', () => {
  let repo: string;
  let baseSha: string;
  const models: StandInModel[] = [];
  const logger = new DefaultLogger('ERROR');
  let n = 0;

  beforeAll(async () => {
    const prose = [
      '---',
      'id: TASK-0100',
      'title: Explain the math module',
      'category: docs',
      'risk: low',
      'files:',
      '  - src/math.js',
      '---',
      '## Description',
      'Add doc comments to the exported API of src/math.js.',
      '',
    ].join('\n');
    repo = await makeSampleRepo({ ...SAMPLE_FILES, 'tasks/TASK-0100.md': prose });
    baseSha = (await simpleGit(repo).revparse(['HEAD'])).trim();
  });
  afterAll(() => Promise.all(models.map((m) => m.close())));

  async function drive(taskId: string, opts: StandInOptions & { faults?: Fault[] } = {}) {
    const model = await startStandInModel({ recordRequests: true, ...opts });
    models.push(model);
    const runId = `hard${++n}`;
    const worktreeRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-hard-wt-'));
    const acts = createAgentActivities({ worktreeRoot, modelAccess: { apiKey: 'test-key', baseURL: model.url } });
    let k = 0;
    const turns = await agentTurns(
      () => activityEnv(runId, `${++k}`, logger),
      acts,
      agentInput(runId, repo, taskId, baseSha, 8, 'npm test'),
    );
    return { turns, last: turns[turns.length - 1], model, worktree: path.join(worktreeRoot, runId, taskId) };
  }
  const documented = (worktree: string) =>
    fs.readFileSync(path.join(worktree, 'src/math.js'), 'utf8').includes('/** Adds two numbers. */');

  it('a prose task the model cannot do ends with "cannot: …": skipped with that reason, nothing to commit', async () => {
    const { last } = await drive('TASK-0100');
    expect(last).toMatchObject({
      turn: 1,
      outcome: 'ok',
      edited: [],
      final: {
        ok: false,
        reason: expect.stringMatching(/^the agent could not do the task: TASK-0100 is a prose task/),
      },
    });
  });

  it('an empty end_turn after tool results gets a new user message asking it to go on, and the task gets done', async () => {
    const { turns, last, model, worktree } = await drive('TASK-0001', {
      faults: [{ kind: 'empty_end_turn', taskId: 'TASK-0001', turn: 2 }],
    });
    expect(turns.map((t) => [t.turn, t.outcome, t.tools])).toEqual([
      [1, 'continue', ['str_replace src/math.js']],
      [2, 'continue', ['(empty reply)']],
      [3, 'ok', []],
    ]);
    expect(last.final).toMatchObject({ ok: true, summary: expect.stringContaining('Document add') });
    // The empty reply is not sent back; the next request ends with the tool results, then the new user message.
    const third = (model.bodies[2] as { messages: { role: string; content: unknown }[] }).messages;
    expect(third.map((m) => m.role)).toEqual(['user', 'assistant', 'user', 'user']);
    expect(third[3].content).toEqual([expect.objectContaining({ type: 'text', text: EMPTY_REPLY })]);
    expect(documented(worktree)).toBe(true);
  });

  it('a tool call cut off by max_tokens is asked again in the same turn with a higher limit, never run cut', async () => {
    const { turns, model, worktree } = await drive('TASK-0001', {
      faults: [{ kind: 'truncated_tool_call', taskId: 'TASK-0001', turn: 1 }],
    });
    expect(turns.map((t) => [t.turn, t.tools])).toEqual([
      [1, ['str_replace src/math.js']],
      [2, []],
    ]);
    const limits = (model.bodies as { max_tokens: number }[]).map((b) => b.max_tokens);
    expect(limits).toEqual([8192, 16384, 8192]);
    // Both requests of turn 1 are on its bill.
    expect(turns[0].usage.outputTokens).toBeGreaterThanOrEqual(8192);
    expect(documented(worktree)).toBe(true);
  });

  it('a prompt longer than the context window (the API\'s 400 "prompt is too long") ends the attempt with its reason, not the run', async () => {
    const { last, model } = await drive('TASK-0001', { contextWindowTokens: 12_000 });
    expect(model.log.map((e) => e.status)).toEqual([400]);
    expect(last).toMatchObject({
      turn: 1,
      outcome: 'context_window',
      final: { ok: false, reason: expect.stringContaining("outgrew the model's context window") },
    });
  });
});
