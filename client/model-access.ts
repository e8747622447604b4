import type { ModelAccess } from '../activities/agent/run-agent';
import { faultsFromEnv } from '../dev/stand-in-faults';
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
  const faults = faultsFromEnv(process.env.FLOTILLA_STAND_IN_FAULTS);
  const standIn = await startStandInModel({ latencyMs, faults });
  log(`Model: stand-in at ${standIn.url} (no ANTHROPIC_API_KEY; it applies each task's Change blocks)${faults.length ? `, injecting ${faults.length} fault(s) from FLOTILLA_STAND_IN_FAULTS` : ''}`);
  return { access: { apiKey: 'stand-in-model', baseURL: standIn.url }, standIn };
}
