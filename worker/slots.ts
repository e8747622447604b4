// A worker's agent slots, told through its identity: the server lists each queue's pollers with their identity
// (DescribeTaskQueue), so a client can add up the slots of the workers polling the agents queue without a worker
// answering anything. Workers of older versions do not say theirs.

/**
 * Agent slots by default: agents mostly wait on the model's network answers, so a worker can hold many; a run's
 * lanes (--max-parallel) decide how many run at once. Test runs take the cores (one slot per CPU).
 */
export const DEFAULT_AGENT_SLOTS = 16;

/** The identity a worker reports: `<pid>@<hostname>/<hostId> agent-slots=<n>`. */
export const identityWithSlots = (base: string, agentSlots: number) => `${base} agent-slots=${agentSlots}`;

/** The agent slots an identity tells, or undefined (a worker that does not say, e.g. an older version). */
export function agentSlotsOf(identity: string): number | undefined {
  const m = / agent-slots=(\d+)$/.exec(identity);
  return m ? Number(m[1]) : undefined;
}

/** The workers polling the shared agents queue: how many, their slots in all, and how many did not say theirs. */
export interface PolledSlots {
  workers: number;
  slots: number;
  unknown: number;
}

export function polledSlots(identities: string[]): PolledSlots {
  const told = identities.map(agentSlotsOf);
  return {
    workers: identities.length,
    slots: told.reduce<number>((t, n) => t + (n ?? 0), 0),
    unknown: told.filter((n) => n === undefined).length,
  };
}

/**
 * What a run with `lanes` lanes should hear about the workers polling now, or undefined when they have slots
 * enough (or none polls: the no-worker message covers that). Only what can be known: the workers polling at this
 * moment, and only the slots they told.
 */
export function slotsMismatch(lanes: number, p: PolledSlots, agentsQueue: string): string | undefined {
  if (!p.workers || p.slots >= lanes) return undefined;
  const who = `${p.workers} worker${p.workers > 1 ? 's' : ''} polling ${agentsQueue}`;
  if (p.unknown) {
    return `Note: --max-parallel ${lanes}, and the ${who} told ${p.slots} agent slots in all; ${p.unknown} of them (an older Flotilla) did not say how many they have, so fewer than ${lanes} agents may run at once.`;
  }
  return `Warning: --max-parallel ${lanes}, but the ${who} have ${p.slots} agent slot${p.slots > 1 ? 's' : ''} in all: at most ${p.slots} agents will run at once. Give the worker more (flotilla dev --agent-slots ${lanes}, flotilla worker --agent-slots N), or start more workers.`;
}
