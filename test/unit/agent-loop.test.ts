import type Anthropic from '@anthropic-ai/sdk';
import { addTurn, pushUserText, turnTokens } from '../../activities/agent/agent-loop';
import { noUsage } from '../../core/usage';

describe('agent loop helpers', () => {
  it('adds turns, with a cost only while every turn had a price', () => {
    const total = noUsage();
    const t = turnTokens({
      input_tokens: 10,
      output_tokens: 5,
      cache_creation_input_tokens: null,
      cache_read_input_tokens: 2,
    } as Anthropic.Usage);
    expect(t).toEqual({ inputTokens: 10, outputTokens: 5, cacheWriteTokens: 0, cacheReadTokens: 2 });
    expect(addTurn(total, t, 0.5, true)).toBe(true);
    expect(addTurn(total, t, 0.25, true)).toBe(true);
    expect(total).toEqual({
      inputTokens: 20,
      outputTokens: 10,
      cacheWriteTokens: 0,
      cacheReadTokens: 4,
      costUsd: 0.75,
    });
    expect(addTurn(total, t, undefined, true)).toBe(false);
    expect(addTurn(total, t, 1, false)).toBe(false);
    expect(total).toEqual({ inputTokens: 40, outputTokens: 20, cacheWriteTokens: 0, cacheReadTokens: 8 });
  });

  it('appends user text after tool results in the same message, or as a new message after the assistant', () => {
    const messages: Anthropic.MessageParam[] = [
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't', content: 'ok' }] },
    ];
    pushUserText(messages, 'smaller please');
    expect(messages).toEqual([
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 't', content: 'ok' },
          { type: 'text', text: 'smaller please' },
        ],
      },
    ]);
    messages.push({ role: 'assistant', content: [{ type: 'text', text: 'partial' }] });
    pushUserText(messages, 'go on');
    expect(messages[2]).toEqual({ role: 'user', content: 'go on' });
    pushUserText(messages, 'again');
    expect(messages[2]).toEqual({
      role: 'user',
      content: [
        { type: 'text', text: 'go on' },
        { type: 'text', text: 'again' },
      ],
    });
  });
});
