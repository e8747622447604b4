import type { Client } from '@temporalio/client';
import { agentQueue } from '../core/task-queues';
import { type PolledSlots, polledSlots, slotsMismatch } from '../worker/slots';

/** A poller whose last access is older than this is a worker gone (an idle long poll is renewed about once a minute). */
const POLLER_FRESH_MS = 120_000;

/** The agent slots of the workers polling the shared agents queue of `taskQueue` now, from the pollers' identities. */
export async function pollingAgentSlots(client: Client, taskQueue: string): Promise<PolledSlots> {
  const r = await client.workflowService.describeTaskQueue({
    namespace: client.options.namespace,
    taskQueue: { name: agentQueue(taskQueue), kind: 1 /* NORMAL */ },
    taskQueueType: 2 /* ACTIVITY */,
  });
  const now = Date.now();
  const fresh = (r.pollers ?? []).filter((p) => {
    const s = p.lastAccessTime?.seconds;
    return s === undefined || s === null || now - Number(s) * 1000 < POLLER_FRESH_MS;
  });
  return polledSlots(fresh.map((p) => p.identity ?? ''));
}

/** `flotilla run`'s line when the polling workers have fewer agent slots than the run has lanes (nothing when that cannot be asked). */
export async function slotsWarning(client: Client, taskQueue: string, lanes: number): Promise<string | undefined> {
  try {
    return slotsMismatch(lanes, await pollingAgentSlots(client, taskQueue), agentQueue(taskQueue));
  } catch {
    return undefined; // a check, not a duty: the run starts either way
  }
}
