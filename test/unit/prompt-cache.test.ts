import type Anthropic from '@anthropic-ai/sdk';
import { withCacheBreakpoints } from '../../activities/agent/prompt-cache';
import { EDITOR_TOOL } from '../../activities/agent/editor-tool';
import { SEARCH_TOOL } from '../../activities/agent/search-tool';

const marked = (x: unknown) => JSON.stringify(x).split('"cache_control"').length - 1;

describe('prompt cache breakpoints', () => {
  const tools = [EDITOR_TOOL, SEARCH_TOOL];

  it('marks the last tool, the system block and the newest user message only', () => {
    const messages: Anthropic.MessageParam[] = [
      { role: 'user', content: 'task' },
      { role: 'assistant', content: [{ type: 'tool_use', id: 't1', name: 'search', input: {} }] },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 't1', content: 'a' },
          { type: 'text', text: 'more' },
        ],
      },
    ];
    const before = JSON.stringify(messages);
    const r = withCacheBreakpoints({ tools, system: 'sys', messages });
    expect(r.tools[0]).toEqual(EDITOR_TOOL);
    expect(r.tools[1]).toEqual({ ...SEARCH_TOOL, cache_control: { type: 'ephemeral' } });
    expect(r.system).toEqual([{ type: 'text', text: 'sys', cache_control: { type: 'ephemeral' } }]);
    expect(r.messages[2].content).toEqual([
      { type: 'tool_result', tool_use_id: 't1', content: 'a' },
      { type: 'text', text: 'more', cache_control: { type: 'ephemeral' } },
    ]);
    expect(marked(r)).toBe(3);
    expect(JSON.stringify(messages)).toBe(before);
  });

  it('turns a string prompt into a marked text block, and skips an assistant message at the end', () => {
    const r = withCacheBreakpoints({
      tools,
      system: 's',
      messages: [
        { role: 'user', content: 'task' },
        { role: 'assistant', content: [{ type: 'text', text: 'paused' }] },
      ],
    });
    expect(r.messages[0].content).toEqual([{ type: 'text', text: 'task', cache_control: { type: 'ephemeral' } }]);
    expect(r.messages[1].content).toEqual([{ type: 'text', text: 'paused' }]);
    expect(marked(r)).toBe(3);
  });
});
