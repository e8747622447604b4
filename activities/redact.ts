// Defence in depth for the model API key: whatever Flotilla writes (test output, transcripts, logs it
// reports, error messages, activity results) passes through redact() first. The sandbox is what keeps the
// key away from repository code; this keeps a leak (a test that printed it anyway, an error that quoted a
// request) out of history, reports and files.

export const REDACTED = '[redacted]';

/** Anthropic's key format; matched even when it is not the worker's own key. */
const ANTHROPIC_KEY = /sk-ant-[A-Za-z0-9_-]{20,}/g;
/** userinfo in a URL: scheme://user:password@host → scheme://host. */
const URL_USERINFO = /\b([a-z][a-z0-9+.-]{0,30}:\/\/)[^\s/?#@]{1,512}@/gi;

const secrets = new Set<string>();

/** Adds a value (e.g. the API key the worker was given) that must never appear in anything Flotilla writes. */
export function registerSecret(value: string | undefined | null): void {
  // Very short values would redact ordinary words; a real key is long.
  if (value && value.length >= 8) secrets.add(value);
}

function knownSecrets(): string[] {
  const env = process.env.ANTHROPIC_API_KEY;
  const all = env && env.length >= 8 ? [env, ...secrets] : [...secrets];
  return all.sort((a, b) => b.length - a.length);
}

/** Removes credentials from a URL-bearing text: the userinfo of every URL. */
export function stripUrlCredentials(text: string): string {
  return text.replace(URL_USERINFO, '$1');
}

/** `text` with the worker's API key, anything shaped like an Anthropic key and URL credentials replaced. */
export function redact(text: string): string {
  if (!text) return text;
  let out = text;
  for (const secret of knownSecrets()) if (out.includes(secret)) out = out.split(secret).join(REDACTED);
  out = out.replace(ANTHROPIC_KEY, REDACTED);
  return stripUrlCredentials(out);
}

/** redact() applied to every string in a JSON-like value (activity results); other values are kept as they are. */
export function redactDeep<T>(value: T, depth = 0): T {
  if (typeof value === 'string') return redact(value) as unknown as T;
  if (depth > 20 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => redactDeep(v, depth + 1)) as unknown as T;
  if (Object.getPrototypeOf(value) !== Object.prototype) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) out[k] = redactDeep(v, depth + 1);
  return out as T;
}

/** An error with its message (and stack) redacted, in place: what a failed activity reports to Temporal. */
export function redactError<E>(err: E): E {
  if (err instanceof Error) {
    try {
      err.message = redact(err.message);
      if (err.stack) err.stack = redact(err.stack);
      if (err.cause instanceof Error) redactError(err.cause);
      const withDetails = err as unknown as { details?: unknown };
      if (Array.isArray(withDetails.details)) withDetails.details = redactDeep(withDetails.details);
    } catch {
      /* a frozen error: leave it */
    }
  }
  return err;
}
