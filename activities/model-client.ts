// The model API as a worker reaches it: its access (a key and a base URL), and the one place the Anthropic client is built.
import Anthropic from '@anthropic-ai/sdk';

export interface ModelAccess {
  /** The key stays in the worker's memory: it never enters workflow inputs, history, logs or reports. */
  apiKey: string;
  baseURL?: string;
}

/**
 * An Anthropic client for `access`. In an activity the SDK never retries (`retries` 0, the default): a failed call
 * fails the activity, and Temporal's retry policy (with the API's retry-after) decides. Outside Temporal (the
 * CLI), a caller may let the SDK retry a few times itself.
 */
export function modelClient(access: ModelAccess, opts: { retries?: number } = {}): Anthropic {
  return new Anthropic({
    apiKey: access.apiKey,
    baseURL: access.baseURL,
    maxRetries: opts.retries ?? 0,
    timeout: 5 * 60_000,
  });
}
