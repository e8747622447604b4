// `flotilla run --max-parallel N` against workers with fewer agent slots: the slots are read from the agents
// queue's pollers (the worker's identity), before the run starts.
import { pollingAgentSlots, slotsWarning } from '../../client/agent-slots';
import { useTestWorker } from '../helpers/test-worker';

const worker = useTestWorker({ agentSlots: 2 });

test('the workers polling the agents queue tell their slots, and a run with more lanes hears it', async () => {
  const { client, taskQueue } = worker();
  // The worker's pollers reach the server shortly after it starts.
  let polled = await pollingAgentSlots(client, taskQueue);
  for (let i = 0; i < 100 && polled.workers === 0; i++) {
    await new Promise((r) => setTimeout(r, 100));
    polled = await pollingAgentSlots(client, taskQueue);
  }
  expect(polled).toEqual({ workers: 1, slots: 2, unknown: 0 });
  expect(await slotsWarning(client, taskQueue, 8)).toMatch(
    /--max-parallel 8, but the 1 worker polling .*-agents have 2 agent slots in all: at most 2 agents will run at once/,
  );
  expect(await slotsWarning(client, taskQueue, 2)).toBeUndefined();
  expect(await slotsWarning(client, `${taskQueue}-nobody`, 8)).toBeUndefined();
}, 60_000);
