import { PromptCache } from '../../dev/stand-in-cache';
import { redactedThinkingBlock, requestProblem, thinkingBlock } from '../../dev/stand-in-checks';
import { FaultPlan, faultsFromEnv, validateFaults } from '../../dev/stand-in-faults';

describe('stand-in faults', () => {
  it('reads FLOTILLA_STAND_IN_FAULTS and explains what is wrong with it', () => {
    expect(faultsFromEnv(undefined)).toEqual([]);
    expect(faultsFromEnv('[{"kind":"rate_limit","taskId":"TASK-0001","times":2,"retryAfterSeconds":3}]')).toEqual([
      { kind: 'rate_limit', taskId: 'TASK-0001', times: 2, retryAfterSeconds: 3 },
    ]);
    expect(() => faultsFromEnv('{kind')).toThrow(/FLOTILLA_STAND_IN_FAULTS is not valid JSON.*must be a JSON array/);
    expect(() => faultsFromEnv('{"kind":"rate_limit"}')).toThrow(/must be a JSON array/);
    expect(() => faultsFromEnv('[{"kind":"meteor"}]')).toThrow(
      /FLOTILLA_STAND_IN_FAULTS\[0\]\.kind must be one of rate_limit, .*unauthorized/,
    );
    expect(() => validateFaults([{ kind: 'overloaded', times: -1 }])).toThrow(/faults\[0\]\.times must be a number/);
  });

  it('fires each fault N times, for its task and turn only, then behaves normally', () => {
    const plan = new FaultPlan([
      { kind: 'overloaded', taskId: 'TASK-2', times: 2 },
      { kind: 'outside_path', turn: 2 },
    ]);
    expect(plan.take('TASK-1', 1)).toBeNull();
    expect(plan.take('TASK-2', 1)?.kind).toBe('overloaded');
    expect(plan.take('TASK-2', 1)?.kind).toBe('overloaded');
    expect(plan.take('TASK-2', 1)).toBeNull();
    expect(plan.take('TASK-1', 2)?.kind).toBe('outside_path');
    expect(plan.take('TASK-1', 2)).toBeNull();
    expect(plan.fired.map((f) => f.kind)).toEqual(['overloaded', 'overloaded', 'outside_path']);
  });
});

describe('stand-in request checks', () => {
  const base = { model: 'm', max_tokens: 10 };
  const use = { type: 'tool_use', id: 't1', name: 'x', input: {} };

  it('accepts a well-formed tool conversation', () => {
    const messages = [
      { role: 'user', content: 'hi' },
      { role: 'assistant', content: [thinkingBlock('hmm'), redactedThinkingBlock(), use] },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 't1', content: 'ok' },
          { type: 'text', text: 'go on' },
        ],
      },
    ];
    expect(requestProblem({ ...base, messages })).toBeNull();
  });

  it('rejects what the API rejects', () => {
    expect(requestProblem({ ...base, messages: [] })).toMatch(/at least one message/);
    expect(
      requestProblem({
        ...base,
        messages: [
          { role: 'user', content: 'a' },
          { role: 'assistant', content: [use] },
          { role: 'user', content: 'next' },
        ],
      }),
    ).toMatch(/tool_use` ids were found without `tool_result` blocks immediately after: t1/);
    expect(
      requestProblem({
        ...base,
        messages: [{ role: 'user', content: [{ type: 'tool_result', tool_use_id: 'zz', content: '' }] }],
      }),
    ).toMatch(/unexpected `tool_use_id`/);
    expect(
      requestProblem({
        ...base,
        messages: [
          { role: 'user', content: 'a' },
          { role: 'assistant', content: [use] },
          {
            role: 'user',
            content: [
              { type: 'text', text: 'x' },
              { type: 'tool_result', tool_use_id: 't1' },
            ],
          },
        ],
      }),
    ).toMatch(/tool_result blocks must come first/);
    expect(requestProblem({ ...base, messages: [{ role: 'user', content: [{ type: 'text', text: '' }] }] })).toMatch(
      /non-empty/,
    );
    const tampered = { ...thinkingBlock('original'), thinking: 'edited' };
    expect(
      requestProblem({
        ...base,
        messages: [
          { role: 'user', content: 'a' },
          { role: 'assistant', content: [tampered, { type: 'text', text: 'b' }] },
          { role: 'user', content: 'c' },
        ],
      }),
    ).toMatch(/Invalid `signature` in `thinking` block/);
    const cc = { cache_control: { type: 'ephemeral' } };
    const five = {
      ...base,
      system: [{ type: 'text', text: 's', ...cc }],
      tools: [1, 2, 3].map((i) => ({ name: `t${i}`, input_schema: {}, ...cc })),
      messages: [{ role: 'user', content: [{ type: 'text', text: 'x', ...cc }] }],
    };
    expect(requestProblem(five)).toBe('A maximum of 4 blocks with cache_control may be provided. Found 5.');
  });
});

describe('stand-in prompt cache', () => {
  const cc = { cache_control: { type: 'ephemeral' } };
  const body = (turns: number) => ({
    model: 'm',
    system: [{ type: 'text', text: 'system '.repeat(100), ...cc }],
    messages: Array.from({ length: turns }, (_, i) => [
      { role: 'user', content: [{ type: 'text', text: `user ${i} `.repeat(50), ...(i === turns - 1 ? cc : {}) }] },
      ...(i < turns - 1 ? [{ role: 'assistant', content: [{ type: 'text', text: `reply ${i}` }] }] : []),
    ]).flat(),
  });

  it('writes at the breakpoints, then reads the longest cached prefix on the next turn', () => {
    const cache = new PromptCache(1);
    const first = cache.use(body(1));
    expect(first.cache_read_input_tokens).toBe(0);
    expect(first.cache_creation_input_tokens).toBeGreaterThan(0);
    const second = cache.use(body(2));
    expect(second.cache_read_input_tokens).toBe(first.cache_creation_input_tokens);
    expect(second.cache_creation_input_tokens).toBeGreaterThan(0);
    const total = (u: typeof first) => u.input_tokens + u.cache_creation_input_tokens + u.cache_read_input_tokens;
    expect(total(second)).toBeGreaterThan(total(first));
  });

  it('does not cache prefixes below the minimum, or after the TTL', () => {
    expect(new PromptCache(1_000_000).use(body(3))).toMatchObject({
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 0,
    });
    let now = 0;
    const cache = new PromptCache(1, 5 * 60_000, () => now);
    cache.use(body(1));
    now = 6 * 60_000;
    expect(cache.use(body(1)).cache_read_input_tokens).toBe(0);
  });
});
