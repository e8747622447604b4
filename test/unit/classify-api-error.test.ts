import Anthropic from '@anthropic-ai/sdk';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { classifyApiError, isPromptTooLong, retryAfterMs } from '../../activities/agent/classify-api-error';

const apiError = (status: number, type: string, headers: Record<string, string> = {}) =>
  Anthropic.APIError.generate(
    status,
    { type: 'error', error: { type, message: `${type} happened` } },
    undefined,
    new Headers({ 'request-id': 'req_1', ...headers }),
  );

const classify = (err: unknown) =>
  classifyApiError(err, 'claude-haiku-4-5', 'http://127.0.0.1:1') as ApplicationFailure;

describe('classifyApiError', () => {
  it.each([
    [429, 'rate_limit_error', 'rate limited'],
    [529, 'overloaded_error', 'overloaded'],
    [500, 'api_error', 'failed'],
    [503, 'api_error', 'failed'],
    [408, 'timeout_error', 'failed'],
  ])('%i is retryable', (status, type, what) => {
    const f = classify(apiError(status, type));
    expect(f).toBeInstanceOf(ApplicationFailure);
    expect(f.nonRetryable).toBe(false);
    expect(f.type).toBe('ModelApiError');
    expect(f.message).toContain(what);
    expect(f.message).toContain('req_1');
    expect(f.nextRetryDelay).toBeUndefined();
  });

  it('honours retry-after (seconds, ms or an HTTP date) as the next retry delay', () => {
    expect(classify(apiError(429, 'rate_limit_error', { 'retry-after': '7' })).nextRetryDelay).toBe(7000);
    expect(classify(apiError(529, 'overloaded_error', { 'retry-after-ms': '1500' })).nextRetryDelay).toBe(1500);
    const date = new Headers({ 'retry-after': new Date(Date.now() + 60_000).toUTCString() });
    expect(retryAfterMs(date)).toBeGreaterThan(55_000);
    expect(retryAfterMs(new Headers({ 'retry-after': '0' }))).toBeUndefined();
    expect(retryAfterMs(new Headers({ 'retry-after': 'soon' }))).toBeUndefined();
  });

  it.each([
    [401, 'authentication_error', 'ANTHROPIC_API_KEY was rejected'],
    [403, 'permission_error', 'may not use claude-haiku-4-5'],
    [404, 'not_found_error', 'FLOTILLA_MODEL'],
    [400, 'invalid_request_error', 'rejected the request'],
    [402, 'billing_error', 'Add credits'],
  ])('%i is a final AgentConfigError that says what to fix', (status, type, text) => {
    const f = classify(apiError(status, type));
    expect(f.nonRetryable).toBe(true);
    expect(f.type).toBe('AgentConfigError');
    expect(f.message).toContain(text);
  });

  it('a request too large ends only the task', () => {
    const f = classify(apiError(413, 'request_too_large'));
    expect(f).toMatchObject({ nonRetryable: true, type: 'ModelRequestError' });
  });

  it('a 400 "prompt is too long" ends only the task, never the run; another 400 is still a configuration error', () => {
    const tooLong = Anthropic.APIError.generate(
      400,
      {
        type: 'error',
        error: { type: 'invalid_request_error', message: 'prompt is too long: 210345 tokens > 200000 maximum' },
      },
      undefined,
      new Headers(),
    );
    expect(isPromptTooLong(tooLong)).toBe(true);
    expect(classify(tooLong)).toMatchObject({ nonRetryable: true, type: 'ModelRequestError' });
    const other = apiError(400, 'invalid_request_error');
    expect(isPromptTooLong(other)).toBe(false);
    expect(classify(other)).toMatchObject({ nonRetryable: true, type: 'AgentConfigError' });
  });

  it('connection errors and timeouts are retryable', () => {
    const c = classify(
      new Anthropic.APIConnectionError({ message: 'Connection error.', cause: new Error('socket hang up') }),
    );
    expect(c).toMatchObject({ nonRetryable: false, type: 'ModelApiError' });
    expect(c.message).toContain('could not reach the model API at http://127.0.0.1:1');
    expect(c.message).toContain('socket hang up');
    expect(classify(new Anthropic.APIConnectionTimeoutError())).toMatchObject({
      nonRetryable: false,
      type: 'ModelApiError',
    });
  });

  it('leaves other errors alone (Temporal retries them) and reports an aborted call as a cancellation', () => {
    const e = new Error('bug');
    expect(classify(e)).toBe(e);
    expect(classify(new Anthropic.APIUserAbortError())).toBeInstanceOf(CancelledFailure);
  });
});
