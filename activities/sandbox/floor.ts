import { ApplicationFailure } from '@temporalio/common';
import type { SandboxMode } from '../../core/types';

/**
 * The worker's floor: the least sandbox any run may have on this worker process (`flotilla worker --sandbox
 * required`, or FLOTILLA_SANDBOX). The sandbox level of a run is workflow input, which anyone who can start a
 * workflow on the Temporal server chooses; the floor is the worker's own, so no input lowers it.
 */
const RANK: Record<SandboxMode, number> = { off: 0, auto: 1, required: 2 };
const MODES = Object.keys(RANK) as SandboxMode[];

let configured: SandboxMode | undefined;

/** Sets this process's floor (createFlotillaWorkers, from --sandbox); undefined goes back to FLOTILLA_SANDBOX. */
export function setSandboxFloor(mode: SandboxMode | undefined): void {
  if (mode !== undefined && !MODES.includes(mode))
    throw new Error(`--sandbox must be one of ${MODES.join(', ')}, not '${mode}'`);
  configured = mode;
}

/** The floor: the higher of --sandbox and FLOTILLA_SANDBOX; 'off' (no floor) when neither is set. */
export function sandboxFloor(env: NodeJS.ProcessEnv = process.env): SandboxMode {
  const fromEnv = env.FLOTILLA_SANDBOX?.trim();
  if (fromEnv && !MODES.includes(fromEnv as SandboxMode))
    throw new Error(`FLOTILLA_SANDBOX must be one of ${MODES.join(', ')}, not '${fromEnv}'`);
  const modes = [configured, fromEnv as SandboxMode | undefined].filter((m): m is SandboxMode => !!m);
  return modes.reduce<SandboxMode>((a, b) => (RANK[b] > RANK[a] ? b : a), 'off');
}

/**
 * The mode a run gets on this worker: its own when it is at least the floor; `auto` (sandboxed when possible)
 * becomes `required` on a worker whose floor is required; a run that turns the sandbox off on a worker with a
 * floor fails (not retried), naming the floor, rather than being quietly sandboxed after all.
 */
export function atLeastFloor(requested: SandboxMode): SandboxMode {
  const floor = sandboxFloor();
  if (RANK[requested] >= RANK[floor]) return requested;
  if (requested !== 'off') return floor;
  throw ApplicationFailure.nonRetryable(
    `this run asks for --sandbox ${requested}, but this worker's floor is --sandbox ${floor} (flotilla worker --sandbox ${floor} or FLOTILLA_SANDBOX=${floor}): ` +
      `no run may have less sandbox than its worker allows. Start the run with --sandbox ${floor}.`,
    'SandboxFloor',
  );
}
