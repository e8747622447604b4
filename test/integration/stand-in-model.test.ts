import Anthropic from '@anthropic-ai/sdk';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runAgentLoop } from '../../activities/agent/agent-loop';
import { WorktreeEditor } from '../../activities/agent/editor-tool';
import { startStandInModel, type StandInModel } from '../../dev/stand-in-model';
import { TWO_CHANGE_TASK } from '../helpers/agent-fixtures';

const TASK = TWO_CHANGE_TASK;

describe('stand-in model through the real Anthropic SDK over HTTP', () => {
  let model: StandInModel;
  beforeAll(async () => {
    model = await startStandInModel();
  });
  afterAll(() => model.close());

  it('drives a multi-turn tool loop whose edits land in the worktree', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-agent-'));
    fs.mkdirSync(path.join(root, 'src'));
    fs.writeFileSync(path.join(root, 'src/a.ts'), 'const x = 42;\n');
    const client = new Anthropic({ apiKey: 'test-key', baseURL: model.url, maxRetries: 0 });
    const editor = new WorktreeEditor(root);
    const r = await runAgentLoop({
      client,
      model: 'claude-haiku-4-5',
      system: 'sys',
      prompt: TASK,
      editor,
      maxTurns: 10,
      maxTokens: 1024,
    });
    expect(r.outcome).toBe('ok');
    expect(r.turns).toBe(3);
    expect(fs.readFileSync(path.join(root, 'src/a.ts'), 'utf8')).toBe('const ANSWER = 42;\nconst x = ANSWER;\n');
    expect(fs.readFileSync(path.join(root, 'src/b.ts'), 'utf8')).toBe('export const b = 1;\n');
    expect([...editor.edited].sort()).toEqual(['src/a.ts', 'src/b.ts']);
    expect(r.summary).toContain('Name the magic number');
    expect(r.usage.inputTokens).toBeGreaterThan(0);
    expect(r.usage.outputTokens).toBeGreaterThan(0);
  });

  it('answers with the API error envelope and request-id header', async () => {
    const res = await fetch(`${model.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(res.status).toBe(401);
    expect(res.headers.get('request-id')).toMatch(/^req_/);
    expect(await res.json()).toMatchObject({ type: 'error', error: { type: 'authentication_error' } });
    const client = new Anthropic({ apiKey: 'k', baseURL: model.url, maxRetries: 0 });
    await expect(client.messages.create({ model: 'm', max_tokens: 10, messages: [] })).rejects.toMatchObject({
      status: 400,
    });
  });

  it('rejects, as the API does, a tool_use without its tool_result and a thinking block that was changed', async () => {
    const client = new Anthropic({ apiKey: 'k', baseURL: model.url, maxRetries: 0 });
    const ask = (messages: Anthropic.MessageParam[]) =>
      client.messages.create({ model: 'claude-haiku-4-5', max_tokens: 100, messages });
    const reply = await ask([{ role: 'user', content: TASK }]);
    expect(reply.stop_reason).toBe('tool_use');
    await expect(
      ask([
        { role: 'user', content: TASK },
        { role: 'assistant', content: reply.content },
        { role: 'user', content: 'go on' },
      ]),
    ).rejects.toMatchObject({
      status: 400,
      message: expect.stringContaining('`tool_use` ids were found without `tool_result` blocks immediately after'),
    });
    const thinking = await startStandInModel({ faults: [{ kind: 'thinking' }] });
    try {
      const c2 = new Anthropic({ apiKey: 'k', baseURL: thinking.url, maxRetries: 0 });
      const r = await c2.messages.create({
        model: 'claude-haiku-4-5',
        max_tokens: 100,
        messages: [{ role: 'user', content: TASK }],
      });
      expect(r.content.map((b) => b.type)).toEqual(['thinking', 'redacted_thinking', 'text', 'tool_use']);
      const changed = r.content.map((b) => (b.type === 'thinking' ? { ...b, thinking: b.thinking + ' (edited)' } : b));
      const toolUse = r.content.find((b) => b.type === 'tool_use') as Anthropic.ToolUseBlock;
      const results: Anthropic.MessageParam = {
        role: 'user',
        content: [{ type: 'tool_result', tool_use_id: toolUse.id, content: 'ok' }],
      };
      await expect(
        c2.messages.create({
          model: 'claude-haiku-4-5',
          max_tokens: 100,
          messages: [{ role: 'user', content: TASK }, { role: 'assistant', content: changed }, results],
        }),
      ).rejects.toMatchObject({
        status: 400,
        message: expect.stringContaining('Invalid `signature` in `thinking` block'),
      });
      await expect(
        c2.messages.create({
          model: 'claude-haiku-4-5',
          max_tokens: 100,
          messages: [{ role: 'user', content: TASK }, { role: 'assistant', content: r.content }, results],
        }),
      ).resolves.toMatchObject({ stop_reason: 'tool_use' });
    } finally {
      await thinking.close();
    }
  });

  it('answers a truncated tool call with stop_reason max_tokens and all of max_tokens used', async () => {
    const faulty = await startStandInModel({ faults: [{ kind: 'truncated_tool_call' }] });
    try {
      const client = new Anthropic({ apiKey: 'k', baseURL: faulty.url, maxRetries: 0 });
      const r = await client.messages.create({
        model: 'claude-haiku-4-5',
        max_tokens: 77,
        messages: [{ role: 'user', content: TASK }],
      });
      expect(r.stop_reason).toBe('max_tokens');
      expect(r.usage.output_tokens).toBe(77);
      expect(r.content[1]).toMatchObject({
        type: 'tool_use',
        input: { command: 'str_replace', path: 'src/a.ts', old_str: 'const x' },
      });
    } finally {
      await faulty.close();
    }
  });
});
