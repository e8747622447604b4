import Anthropic from '@anthropic-ai/sdk';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { stripUrlCredentials } from '../redact';

/** How long the API asked us to wait (retry-after-ms, then retry-after in seconds or as an HTTP date), in ms. */
export function retryAfterMs(headers: Headers | undefined): number | undefined {
  const ms = Number(headers?.get('retry-after-ms') ?? NaN);
  if (Number.isFinite(ms) && ms > 0) return Math.ceil(ms);
  const value = headers?.get('retry-after');
  if (!value) return undefined;
  const seconds = Number(value);
  const wait = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(value) - Date.now();
  return Number.isFinite(wait) && wait > 0 ? Math.ceil(wait) : undefined;
}

/** The API's answer to a request longer than the model's context window: a 400 "prompt is too long: N tokens > M maximum" (or a 413). */
export function isPromptTooLong(err: unknown): boolean {
  if (!(err instanceof Anthropic.APIError)) return false;
  if (err.status === 413) return true;
  const message = `${err.apiMessage ?? ''} ${err.message}`;
  return (
    err.status === 400 &&
    /prompt is too long|too many (input )?tokens|exceeds? the (model's )?context (window|length)|input length and `max_tokens` exceed context limit/i.test(
      message,
    )
  );
}

/**
 * Maps an API failure to what Temporal should do. Configuration problems (400/401/402/403/404/422) are
 * final (AgentConfigError, which stops the run) with a message that says what to fix; a request too large
 * (413, or a 400 "prompt is too long") is final for this task only (ModelRequestError); rate limits, overload, 5xx, timeouts and dropped connections retry, after
 * the retry-after the API asked for. The SDK itself never retries (maxRetries 0): Temporal is in charge.
 */
export function classifyApiError(err: unknown, model: string, baseURL?: string): unknown {
  const where = baseURL ? ` at ${stripUrlCredentials(baseURL)}` : '';
  if (err instanceof Anthropic.APIUserAbortError)
    return new CancelledFailure('the model call was aborted because the activity was cancelled');
  if (err instanceof Anthropic.APIConnectionTimeoutError) {
    return ApplicationFailure.retryable(
      `the model API${where} did not answer in time (${err.message}); Temporal retries the task.`,
      'ModelApiError',
    );
  }
  if (err instanceof Anthropic.APIConnectionError) {
    const cause = (err.cause as Error | undefined)?.message;
    return ApplicationFailure.retryable(
      `could not reach the model API${where} (${err.message}${cause ? `: ${cause}` : ''}); Temporal retries the task. If this persists, check ANTHROPIC_BASE_URL and the network.`,
      'ModelApiError',
    );
  }
  if (!(err instanceof Anthropic.APIError) || err.status === undefined) return err;
  const status = err.status;
  const detail = `${status}${err.type ? ` ${err.type}` : ''}: ${err.apiMessage ?? err.message}${err.requestID ? ` (request ${err.requestID})` : ''}`;
  const final = (message: string, type = 'AgentConfigError') => ApplicationFailure.nonRetryable(message, type);
  if (status === 401)
    return final(`ANTHROPIC_API_KEY was rejected (${detail}). Set a valid key, or unset it to use the stand-in model.`);
  if (status === 402)
    return final(
      `the Anthropic account cannot be billed (${detail}). Add credits or a payment method in the Anthropic Console.`,
    );
  if (status === 403)
    return final(
      `the API key may not use ${model} (${detail}). Use a key with access to it, or pick another model with --model or FLOTILLA_MODEL.`,
    );
  if (status === 404)
    return final(
      `model ${model} was not found${where} (${detail}). Set --model or FLOTILLA_MODEL to a model id such as claude-haiku-4-5, and check that ANTHROPIC_BASE_URL does not end in /v1.`,
    );
  if (isPromptTooLong(err))
    return final(
      `the conversation grew too large for one request (${detail}); the task is skipped. Split it into smaller tasks.`,
      'ModelRequestError',
    );
  if (status === 400 || status === 422)
    return final(
      `the model API rejected the request (${detail}). Check --model/FLOTILLA_MODEL and ANTHROPIC_BASE_URL; if they are right, this is a Flotilla bug: report it with the transcript.`,
    );
  const wait = retryAfterMs(err.headers);
  const what = status === 429 ? 'rate limited' : status === 529 ? 'overloaded' : `failed`;
  return ApplicationFailure.create({
    message: `the model API${where} ${what} (${detail}); Temporal retries the task${wait ? ` in ${Math.ceil(wait / 1000)} s, as the API asked` : ''}.`,
    type: 'ModelApiError',
    nonRetryable: false,
    ...(wait ? { nextRetryDelay: wait } : {}),
  });
}
