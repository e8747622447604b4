import Anthropic from '@anthropic-ai/sdk';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { type AgentLoopResult, CUT_OFF_TOOL_CALL, runAgentLoop } from '../../activities/agent/agent-loop';
import { WorktreeEditor } from '../../activities/agent/editor-tool';
import { turnCostUsd } from '../../activities/agent/pricing';
import { runSearch, SEARCH_TOOL } from '../../activities/agent/search-tool';
import { type Fault } from '../../dev/stand-in-faults';
import { TWO_CHANGE_TASK } from '../helpers/agent-fixtures';
import { OUTSIDE_PATH, startStandInModel, type StandInModel, type StandInOptions } from '../../dev/stand-in-model';

const TASK = TWO_CHANGE_TASK;

const A_AFTER = 'const ANSWER = 42;\nconst x = ANSWER;\n';

type Block = { type: string; [k: string]: unknown };
type Body = { messages: { role: string; content: string | Block[] }[]; tools: Block[]; system: Block[] };

describe('the agent loop through the real SDK over HTTP against the stand-in', () => {
  let model: StandInModel | undefined;
  let root: string;
  let editor: WorktreeEditor;
  let responses: Anthropic.Message[];

  async function run(
    opts: StandInOptions & { faults?: Fault[] },
    loop: { maxTurns?: number; model?: string } = {},
  ): Promise<AgentLoopResult> {
    model = await startStandInModel({ recordRequests: true, ...opts });
    const client = new Anthropic({ apiKey: 'test-key', baseURL: model.url, maxRetries: 0 });
    const create = client.messages.create.bind(client.messages);
    responses = [];
    jest.spyOn(client.messages, 'create').mockImplementation((async (...args: Parameters<typeof create>) => {
      const r = (await create(...args)) as Anthropic.Message;
      responses.push(structuredClone(r));
      return r;
    }) as never);
    const tools = [{ definition: SEARCH_TOOL, run: (input: Record<string, unknown>) => runSearch(root, input) }];
    return runAgentLoop({
      client,
      model: loop.model ?? 'claude-haiku-4-5',
      system: 'You are a careful engineer.',
      prompt: TASK,
      editor,
      tools,
      maxTurns: loop.maxTurns ?? 10,
      maxTokens: 1024,
    });
  }

  const bodies = () => model!.bodies as unknown as Body[];
  const toolUses = (r: AgentLoopResult) =>
    r.messages
      .filter((m) => m.role === 'assistant' && Array.isArray(m.content))
      .flatMap((m) => (m.content as unknown as Block[]).filter((b) => b.type === 'tool_use'));
  const toolResults = (r: AgentLoopResult) =>
    r.messages
      .filter((m) => m.role === 'user' && Array.isArray(m.content))
      .flatMap((m) => (m.content as unknown as Block[]).filter((b) => b.type === 'tool_result'));
  const expectTaskDone = () => {
    expect(fs.readFileSync(path.join(root, 'src/a.ts'), 'utf8')).toBe(A_AFTER);
    expect(fs.readFileSync(path.join(root, 'src/b.ts'), 'utf8')).toBe('export const b = 1;\n');
    expect([...editor.edited].sort()).toEqual(['src/a.ts', 'src/b.ts']);
  };

  beforeEach(() => {
    const parent = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-loop-'));
    root = path.join(parent, 'worktree');
    fs.mkdirSync(path.join(root, 'src'), { recursive: true });
    fs.writeFileSync(path.join(root, 'src/a.ts'), 'const x = 42;\n');
    editor = new WorktreeEditor(root);
  });
  afterEach(async () => {
    await model?.close();
    model = undefined;
  });

  it('does the task in three turns and sends three cache breakpoints every turn: last tool, system, newest user message', async () => {
    const r = await run({});
    expect(r).toMatchObject({ outcome: 'ok', turns: 3 });
    expectTaskDone();
    for (const body of bodies()) {
      expect(JSON.stringify(body).split('"cache_control"').length - 1).toBe(3);
      expect(body.tools.map((t) => t.name)).toEqual(['str_replace_based_edit_tool', 'search']);
      expect(body.tools[1].cache_control).toEqual({ type: 'ephemeral' });
      expect(body.system[0].cache_control).toEqual({ type: 'ephemeral' });
      const last = body.messages[body.messages.length - 1].content as Block[];
      expect(last[last.length - 1].cache_control).toEqual({ type: 'ephemeral' });
    }
    expect(JSON.stringify(r.messages)).not.toContain('cache_control');
  });

  it('reads its previous turn from the prompt cache, and its usage and cost add up', async () => {
    const r = await run({ cacheMinTokens: 1 });
    const u = r.usage;
    const sum = (k: 'input_tokens' | 'output_tokens' | 'cache_creation_input_tokens' | 'cache_read_input_tokens') =>
      responses.reduce((n, m) => n + (m.usage[k] ?? 0), 0);
    expect(u).toMatchObject({
      inputTokens: sum('input_tokens'),
      outputTokens: sum('output_tokens'),
      cacheWriteTokens: sum('cache_creation_input_tokens'),
      cacheReadTokens: sum('cache_read_input_tokens'),
    });
    expect(responses[0].usage.cache_read_input_tokens).toBe(0);
    expect(responses[1].usage.cache_read_input_tokens).toBeGreaterThan(0);
    expect(responses[2].usage.cache_read_input_tokens).toBeGreaterThan(responses[1].usage.cache_read_input_tokens!);
    expect(u.costUsd).toBeCloseTo(
      (u.inputTokens * 1 + u.outputTokens * 5 + u.cacheWriteTokens * 1.25 + u.cacheReadTokens * 0.1) / 1e6,
      12,
    );
    expect(u.costUsd).toBeLessThan(
      turnCostUsd('claude-haiku-4-5', {
        ...u,
        inputTokens: u.inputTokens + u.cacheWriteTokens + u.cacheReadTokens,
        cacheWriteTokens: 0,
        cacheReadTokens: 0,
      })!,
    );
  });

  it('reports tokens only for a model without a price', async () => {
    const r = await run({}, { model: 'claude-unknown-9' });
    expect(r.usage.inputTokens).toBeGreaterThan(0);
    expect(r.usage.costUsd).toBeUndefined();
  });

  it('runs several tool calls of one turn in order and answers them in one user message', async () => {
    const r = await run({ faults: [{ kind: 'parallel_edits' }] });
    expect(r).toMatchObject({ outcome: 'ok', turns: 2 });
    expectTaskDone();
    const second = bodies()[1].messages;
    expect(second).toHaveLength(3);
    expect((second[1].content as Block[]).filter((b) => b.type === 'tool_use')).toHaveLength(2);
    expect((second[2].content as Block[]).map((b) => b.type)).toEqual(['tool_result', 'tool_result']);
  });

  it('sends thinking and redacted_thinking blocks back unchanged', async () => {
    const r = await run({ faults: [{ kind: 'thinking', times: 10 }] });
    expect(r).toMatchObject({ outcome: 'ok', turns: 3 });
    expectTaskDone();
    const emitted = responses.map((m) =>
      m.content.filter((b) => b.type === 'thinking' || b.type === 'redacted_thinking'),
    );
    expect(emitted[0].map((b) => b.type)).toEqual(['thinking', 'redacted_thinking']);
    const last = bodies()[2].messages;
    const sentBack = last
      .filter((m) => m.role === 'assistant')
      .map((m) =>
        (m.content as unknown as Block[]).filter((b) => b.type === 'thinking' || b.type === 'redacted_thinking'),
      );
    expect(sentBack).toEqual(emitted.slice(0, 2));
  });

  it('asks a tool call cut off by max_tokens again with twice the limit, in the same turn', async () => {
    const r = await run({ faults: [{ kind: 'truncated_tool_call' }] });
    expect(r).toMatchObject({ outcome: 'ok', turns: 3 });
    expect(responses.map((m) => m.stop_reason)).toEqual(['max_tokens', 'tool_use', 'tool_use', 'end_turn']);
    expect(bodies().map((b) => (b as unknown as { max_tokens: number }).max_tokens)).toEqual([1024, 2048, 1024, 1024]);
    expect(JSON.stringify(bodies()[1].messages)).toBe(JSON.stringify(bodies()[0].messages));
    expectTaskDone();
  });

  it('never runs a tool call cut off by max_tokens twice, and asks for smaller steps', async () => {
    const r = await run({ faults: [{ kind: 'truncated_tool_call', times: 2 }] });
    expect(r).toMatchObject({ outcome: 'ok', turns: 4 });
    expect(responses[0].stop_reason).toBe('max_tokens');
    expect(responses[1].stop_reason).toBe('max_tokens');
    const cutIds = responses
      .slice(0, 2)
      .map((m) => (m.content.find((b) => b.type === 'tool_use') as Anthropic.ToolUseBlock).id);
    for (const id of cutIds) expect(JSON.stringify(r.messages)).not.toContain(id);
    expect(bodies()[2].messages[1]).toEqual({
      role: 'assistant',
      content: [expect.objectContaining({ type: 'text' })],
    });
    expect(bodies()[2].messages[2]).toMatchObject({
      role: 'user',
      content: [{ type: 'text', text: CUT_OFF_TOOL_CALL }],
    });
    expectTaskDone();
  });

  it('keeps the conversation valid after a cut-off tool call that followed tool results', async () => {
    const r = await run({ faults: [{ kind: 'truncated_tool_call', turn: 2, times: 2 }] });
    expect(r).toMatchObject({ outcome: 'ok', turns: 4 });
    const third = bodies()[3].messages;
    expect(third.map((m) => m.role)).toEqual(['user', 'assistant', 'user', 'assistant', 'user']);
    expect((third[3].content as Block[]).map((b) => b.type)).toEqual(['text']);
    expect((third[4].content as Block[])[0].text).toBe(CUT_OFF_TOOL_CALL);
    expectTaskDone();
  });

  it('returns a malformed tool input as an is_error result, and the loop goes on', async () => {
    const r = await run({ faults: [{ kind: 'malformed_tool_input' }] });
    expect(r).toMatchObject({ outcome: 'ok', turns: 4 });
    expect(toolResults(r)[0]).toMatchObject({ is_error: true, content: 'Error: str_replace needs old_str' });
    expectTaskDone();
  });

  it('refuses an edit outside the worktree with an is_error result and writes nothing there', async () => {
    const r = await run({ faults: [{ kind: 'outside_path', turn: 2 }] });
    expect(r).toMatchObject({ outcome: 'ok', turns: 4 });
    expect(toolUses(r)[1]).toMatchObject({ input: { path: OUTSIDE_PATH } });
    expect(toolResults(r)[1]).toMatchObject({
      is_error: true,
      content: expect.stringContaining('outside the repository'),
    });
    expect(fs.existsSync(path.resolve(root, OUTSIDE_PATH))).toBe(false);
    expectTaskDone();
  });

  it('continues after pause_turn by sending the paused content back', async () => {
    const r = await run({ faults: [{ kind: 'pause_turn', turn: 1 }] });
    expect(r).toMatchObject({ outcome: 'ok', turns: 4 });
    expect(bodies()[1].messages.map((m) => m.role)).toEqual(['user', 'assistant']);
    expectTaskDone();
  });

  it('stops on a refusal with the reason', async () => {
    const r = await run({ faults: [{ kind: 'refusal' }] });
    expect(r.outcome).toBe('refusal');
    expect(r.summary).toContain('declines TASK-0001');
    expect(editor.edited.size).toBe(0);
  });

  it('stops at the turn limit', async () => {
    const r = await run({}, { maxTurns: 2 });
    expect(r).toMatchObject({ outcome: 'max_turns', turns: 2 });
  });

  it('surfaces an HTTP error from the API to the caller (the turn activity classifies it)', async () => {
    await expect(run({ faults: [{ kind: 'overloaded' }] })).rejects.toMatchObject({ status: 529 });
    expect(model!.fired).toEqual([{ kind: 'overloaded', taskId: 'TASK-0001', turn: 1 }]);
  });
});
