import type Anthropic from '@anthropic-ai/sdk';
import {
  contextWindowOf,
  estimateTokens,
  fitConversation,
  inputLimit,
  trimOldToolResults,
} from '../../activities/agent/context-budget';

/** A conversation of `n` turns, each a tool call and a result of `size` characters. */
function conversation(n: number, size: number): Anthropic.MessageParam[] {
  const messages: Anthropic.MessageParam[] = [{ role: 'user', content: 'THE TASK '.repeat(200) }];
  for (let i = 0; i < n; i++) {
    messages.push({
      role: 'assistant',
      content: [{ type: 'tool_use', id: `t${i}`, name: 'search', input: { command: 'grep', pattern: `p${i}` } }],
    });
    messages.push({
      role: 'user',
      content: [{ type: 'tool_result', tool_use_id: `t${i}`, content: `result ${i} `.repeat(size / 10) }],
    });
  }
  return messages;
}
const resultOf = (m: Anthropic.MessageParam) => (m.content as Anthropic.ToolResultBlockParam[])[0].content as string;

describe('the conversation budget (issue 25)', () => {
  it('estimates from the characters sent, plus the API tool prompt', () => {
    const r = { system: 'x'.repeat(3_500), tools: [], messages: [{ role: 'user' as const, content: 'y' }] };
    expect(estimateTokens(r)).toBeGreaterThanOrEqual(1_000);
    expect(estimateTokens({ ...r, tools: [{ name: 'a' }] })).toBeGreaterThan(estimateTokens(r) + 1_000);
    expect(contextWindowOf('claude-haiku-4-5')).toBe(200_000);
  });

  it('leaves a conversation well within the window alone', () => {
    const r = { system: 's', tools: [], messages: conversation(5, 1_000) };
    const before = JSON.stringify(r.messages);
    expect(fitConversation(r, 200_000, 8_192)).toMatchObject({ trimmed: 0, fits: true });
    expect(JSON.stringify(r.messages)).toBe(before);
  });

  it('trims old tool results, oldest first, when it nears the window; the first message, the calls and the recent results stay whole', () => {
    const r = { system: 's', tools: [], messages: conversation(30, 4_000) };
    const window = 40_000;
    expect(estimateTokens(r)).toBeGreaterThan(inputLimit(window, 4_000) * 0.8);
    const f = fitConversation(r, window, 4_000);
    expect(f.trimmed).toBeGreaterThan(0);
    expect(f.fits).toBe(true);
    expect(f.estimate).toBeLessThanOrEqual(inputLimit(window, 4_000) * 0.6);
    expect(r.messages[0].content).toBe('THE TASK '.repeat(200));
    expect(resultOf(r.messages[2])).toMatch(/^\[trimmed to save context: \d+ characters; the start was: result 0 /);
    expect(resultOf(r.messages[2])).toContain('Run the tool again if you need this result.');
    // Every tool call still has its result: the conversation stays valid.
    expect(r.messages.filter((m) => m.role === 'assistant')).toHaveLength(30);
    for (const m of r.messages.slice(-8).filter((m) => m.role === 'user'))
      expect(resultOf(m)).not.toContain('[trimmed');
  });

  it('says when even trimmed it cannot fit (the recent results are never trimmed)', () => {
    const r = { system: 's', tools: [], messages: conversation(4, 200_000) };
    expect(trimOldToolResults(r, 1_000)).toBe(0);
    expect(fitConversation(r, 200_000, 8_192).fits).toBe(false);
  });
});
