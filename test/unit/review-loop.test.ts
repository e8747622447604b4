import type Anthropic from '@anthropic-ai/sdk';
import { ASK_FOR_VERDICT, runReviewLoop } from '../../activities/review/review-loop';
import { parseVerdict, REVIEW_TOOL_NAME } from '../../activities/review/review-tool';
import { reviewFeedback } from '../../workflows/task/review-step';

type Reply = { content: Array<Record<string, unknown>>; stop_reason: string };

/** A scripted model: answers each request with the next reply, and keeps the requests. */
function scripted(replies: Reply[]) {
  const requests: Array<Record<string, unknown>> = [];
  const client = {
    messages: {
      create: async (req: Record<string, unknown>) => {
        requests.push(JSON.parse(JSON.stringify(req)));
        const r = replies.shift()!;
        return {
          ...r,
          model: 'claude-haiku-4-5',
          usage: { input_tokens: 100, output_tokens: 10, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
        };
      },
    },
  } as unknown as Anthropic;
  return { client, requests };
}
const call = (name: string, input: unknown, id = `toolu_${name}`) => ({ type: 'tool_use', id, name, input });

describe('parseVerdict', () => {
  it('takes a verdict with comments tied to file and line, dropping malformed comments', () => {
    expect(
      parseVerdict({
        verdict: 'request_changes',
        summary: 'Fix it',
        comments: [
          { file: 'src/a.js', line: 3, message: 'wrong' },
          { message: '' },
          'x',
          { line: -1, message: 'general' },
        ],
      }),
    ).toEqual({
      verdict: 'request_changes',
      summary: 'Fix it',
      comments: [{ file: 'src/a.js', line: 3, message: 'wrong' }, { message: 'general' }],
    });
    expect(parseVerdict({ verdict: 'approve', comments: [] })).toEqual({
      verdict: 'approve',
      summary: 'approved',
      comments: [],
    });
  });
  it('says what is wrong with an input that is not a verdict', () => {
    expect(parseVerdict({ verdict: 'maybe' })).toEqual({
      error: expect.stringContaining('"approve" or "request_changes"'),
    });
    expect(parseVerdict({ verdict: 'request_changes', comments: [] })).toEqual({
      error: expect.stringContaining('needs a summary'),
    });
  });
});

describe('runReviewLoop', () => {
  const base = { model: 'claude-haiku-4-5', system: 'Review.', prompt: 'Review TASK-1.', maxTurns: 4 };

  it('lets the reviewer look around with its tools, ends at the verdict, and prices every turn', async () => {
    const { client, requests } = scripted([
      {
        content: [{ type: 'text', text: 'Looking.' }, call('view_file', { path: 'src/a.js' })],
        stop_reason: 'tool_use',
      },
      {
        content: [call(REVIEW_TOOL_NAME, { verdict: 'approve', summary: 'Fine.', comments: [] })],
        stop_reason: 'tool_use',
      },
    ]);
    const viewed: unknown[] = [];
    const r = await runReviewLoop({
      ...base,
      client,
      tools: [
        {
          definition: { name: 'view_file', input_schema: { type: 'object' } },
          run: (i) => (viewed.push(i), { content: '1\tx', isError: false }),
        },
      ],
    });
    expect(r.verdict).toEqual({ verdict: 'approve', summary: 'Fine.', comments: [] });
    expect(viewed).toEqual([{ path: 'src/a.js' }]);
    expect(r.usage).toMatchObject({ inputTokens: 200, outputTokens: 20 });
    expect(r.usage.costUsd).toBeCloseTo((200 * 1 + 20 * 5) / 1e6, 12);
    expect((requests[0].tools as Array<{ name: string }>).map((t) => t.name)).toEqual(['view_file', REVIEW_TOOL_NAME]);
    expect(requests[0].tool_choice).toEqual({ type: 'auto' });
  });

  it('asks for the verdict (and forces the tool) when the reviewer ends its turn without one or gives a bad one', async () => {
    const { client, requests } = scripted([
      { content: [{ type: 'text', text: 'Looks fine to me.' }], stop_reason: 'end_turn' },
      { content: [call(REVIEW_TOOL_NAME, { verdict: 'lgtm' }, 'toolu_a')], stop_reason: 'tool_use' },
      {
        content: [
          call(
            REVIEW_TOOL_NAME,
            {
              verdict: 'request_changes',
              summary: 'Restore the expectation.',
              comments: [{ file: 't.js', line: 2, message: 'expected 5' }],
            },
            'toolu_b',
          ),
        ],
        stop_reason: 'tool_use',
      },
    ]);
    const r = await runReviewLoop({ ...base, client, tools: [] });
    expect(r.verdict).toMatchObject({
      verdict: 'request_changes',
      comments: [{ file: 't.js', line: 2, message: 'expected 5' }],
    });
    expect(JSON.stringify(requests[1].messages)).toContain(ASK_FOR_VERDICT);
    expect(requests[1].tool_choice).toEqual({ type: 'tool', name: REVIEW_TOOL_NAME });
    expect(JSON.stringify(requests[2].messages)).toContain('"is_error":true');
  });

  it('gives up without a verdict after its turns, saying why', async () => {
    const { client, requests } = scripted(
      Array.from({ length: 2 }, () => ({ content: [{ type: 'text', text: 'Hmm.' }], stop_reason: 'end_turn' })),
    );
    const r = await runReviewLoop({ ...base, maxTurns: 2, client, tools: [] });
    expect(r.verdict).toBeUndefined();
    expect(r.problem).toBe('the reviewer gave no verdict within 2 turns');
    expect(requests[1].tool_choice).toEqual({ type: 'tool', name: REVIEW_TOOL_NAME });
  });
});

describe('reviewFeedback', () => {
  it('tells the coding agent who asked for what, file and line first', () => {
    expect(
      reviewFeedback({
        by: 'checks',
        summary: 't.js:2 changes what a test expects',
        comments: [{ file: 't.js', line: 2, message: 'changes what a test expects' }, { message: 'also this' }],
      }),
    ).toBe(
      'The automatic review checks requested changes: t.js:2 changes what a test expects\n- t.js:2: changes what a test expects\n- also this',
    );
  });
});
