import * as fs from 'node:fs';
import type { ModelAccess } from '../activities/model-client';
import { faultsFromEnv } from '../dev/stand-in-faults';
import { startStandInModel, type StandInModel } from '../dev/stand-in-model';

/** Which model a worker talks to, decided from the environment and --stand-in (no side effects). */
export type ModelChoice =
  { kind: 'anthropic'; apiKey: string; baseURL?: string } | { kind: 'stand-in'; reason: string };

/** True for FLOTILLA_STAND_IN=1/true/yes. */
export function standInFromEnv(env: NodeJS.ProcessEnv = process.env): boolean {
  return /^(1|true|yes)$/i.test(env.FLOTILLA_STAND_IN?.trim() ?? '');
}

/**
 * The stand-in model only when asked for (--stand-in, FLOTILLA_STAND_IN=1) or when ANTHROPIC_API_KEY is not
 * set at all. A key that is set but blank is a mistake (an empty secret, a typo in .env): it is refused,
 * never silently replaced by the stand-in.
 */
export function chooseModel(o: { standIn?: boolean; env?: NodeJS.ProcessEnv } = {}): ModelChoice {
  const env = o.env ?? process.env;
  if (o.standIn) return { kind: 'stand-in', reason: '--stand-in' };
  if (standInFromEnv(env)) return { kind: 'stand-in', reason: 'FLOTILLA_STAND_IN is set' };
  if (env.ANTHROPIC_API_KEY === undefined && env.ANTHROPIC_API_KEY_FILE)
    return keyFromFile(env.ANTHROPIC_API_KEY_FILE, env);
  if (env.ANTHROPIC_API_KEY === undefined) return { kind: 'stand-in', reason: 'ANTHROPIC_API_KEY is not set' };
  const apiKey = env.ANTHROPIC_API_KEY.trim();
  if (!apiKey) {
    throw new Error(
      'ANTHROPIC_API_KEY is set but empty. Set it to your Anthropic API key, or unset it (or pass --stand-in, or FLOTILLA_STAND_IN=1) to use the stand-in model, which is not Claude.',
    );
  }
  const baseURL = env.ANTHROPIC_BASE_URL?.trim() || undefined;
  return { kind: 'anthropic', apiKey, ...(baseURL ? { baseURL } : {}) };
}

/**
 * ANTHROPIC_API_KEY_FILE: the key from a file (a Docker or Kubernetes secret), so that it is never in the
 * worker's environment, where any process of the worker's user could read /proc/<pid>/environ. A file that
 * cannot be read is an error; an empty one means no key (the stand-in, said loudly), as an unset variable does.
 */
function keyFromFile(file: string, env: NodeJS.ProcessEnv): ModelChoice {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(
      `ANTHROPIC_API_KEY_FILE=${file} cannot be read (${(err as Error).message}). Point it at a file holding your Anthropic API key, or unset it.`,
    );
  }
  const apiKey = text.trim();
  if (!apiKey) return { kind: 'stand-in', reason: `ANTHROPIC_API_KEY_FILE (${file}) is empty` };
  const baseURL = env.ANTHROPIC_BASE_URL?.trim() || undefined;
  return { kind: 'anthropic', apiKey, ...(baseURL ? { baseURL } : {}) };
}

/** The loud line that says the stand-in model, not Claude, does the work. */
export function standInBanner(url: string, reason: string, faults = 0): string {
  return (
    `Model: STAND-IN (not Claude) at ${url}, because ${reason}: it applies each task's Change blocks, it does not think. ` +
    `Set ANTHROPIC_API_KEY for Claude${faults ? `; injecting ${faults} fault(s) from FLOTILLA_STAND_IN_FAULTS` : ''}.`
  );
}

/**
 * With ANTHROPIC_API_KEY set, agents talk to the real API (or ANTHROPIC_BASE_URL); with --stand-in,
 * FLOTILLA_STAND_IN=1 or no key at all, to the stand-in model, started here on a local port. The key only
 * ever lives in this process.
 */
export async function resolveModelAccess(
  log: (line: string) => void = () => undefined,
  o: { standIn?: boolean } = {},
): Promise<{ access: ModelAccess; standIn: StandInModel | null; standInReason?: string }> {
  const choice = chooseModel(o);
  if (choice.kind === 'anthropic') {
    log(`Model: Anthropic API${choice.baseURL ? ` at ${choice.baseURL}` : ''} (ANTHROPIC_API_KEY is set)`);
    return { access: { apiKey: choice.apiKey, ...(choice.baseURL ? { baseURL: choice.baseURL } : {}) }, standIn: null };
  }
  const latencyMs = Number(process.env.FLOTILLA_STAND_IN_LATENCY_MS ?? 0) || 0;
  const faults = faultsFromEnv(process.env.FLOTILLA_STAND_IN_FAULTS);
  const standIn = await startStandInModel({ latencyMs, faults });
  log(standInBanner(standIn.url, choice.reason, faults.length));
  return { access: { apiKey: 'stand-in-model', baseURL: standIn.url }, standIn, standInReason: choice.reason };
}
