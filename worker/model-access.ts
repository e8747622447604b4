import type { ModelAccess } from '../activities/task-steps';
import { startStandInModel, StandInModel } from '../dev/stand-in-model';

/**
 * With ANTHROPIC_API_KEY set, agents talk to the real API (or ANTHROPIC_BASE_URL); without one they talk
 * to the stand-in model, started here on a local port. The key only ever lives in this process.
 */
export async function resolveModelAccess(log: (line: string) => void = () => undefined): Promise<{ access: ModelAccess; standIn: StandInModel | null }> {
  const apiKey = process.env.ANTHROPIC_API_KEY?.trim();
  if (apiKey) {
    const baseURL = process.env.ANTHROPIC_BASE_URL?.trim() || undefined;
    log(`Model: Anthropic API${baseURL ? ` at ${baseURL}` : ''} (ANTHROPIC_API_KEY is set)`);
    return { access: { apiKey, ...(baseURL ? { baseURL } : {}) }, standIn: null };
  }
  const latencyMs = Number(process.env.FLOTILLA_STAND_IN_LATENCY_MS ?? 0) || 0;
  const standIn = await startStandInModel({ latencyMs });
  log(`Model: stand-in at ${standIn.url} (no ANTHROPIC_API_KEY; it applies each task's Change blocks)`);
  return { access: { apiKey: 'stand-in-model', baseURL: standIn.url }, standIn };
}
