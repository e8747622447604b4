import Anthropic from '@anthropic-ai/sdk';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runAgentLoop } from '../../activities/agent-loop';
import { WorktreeEditor } from '../../activities/editor-tool';
import { startStandInModel, StandInModel } from '../../dev/stand-in-model';

const TASK = [
  '<task_file>',
  '---',
  'id: TASK-0001',
  'title: Name the magic number',
  '---',
  '## Change',
  '```',
  'src/a.ts',
  '<<<<<<< SEARCH',
  'const x = 42;',
  '=======',
  'const ANSWER = 42;',
  'const x = ANSWER;',
  '>>>>>>> REPLACE',
  '```',
  '```',
  'src/b.ts',
  '<<<<<<< SEARCH',
  '=======',
  'export const b = 1;',
  '>>>>>>> REPLACE',
  '```',
  '</task_file>',
].join('\n');

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
    const r = await runAgentLoop({ client, model: 'claude-haiku-4-5', system: 'sys', prompt: TASK, editor, maxTurns: 10, maxTokens: 1024 });
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
    const res = await fetch(`${model.url}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(res.status).toBe(401);
    expect(res.headers.get('request-id')).toMatch(/^req_/);
    expect(await res.json()).toMatchObject({ type: 'error', error: { type: 'authentication_error' } });
    const client = new Anthropic({ apiKey: 'k', baseURL: model.url, maxRetries: 0 });
    await expect(client.messages.create({ model: 'm', max_tokens: 10, messages: [] })).rejects.toMatchObject({ status: 400 });
  });
});
