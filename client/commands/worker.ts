import { agentRpm, intFlag, ParsedArgs } from '../args';
import { startLocalStack } from '../local-stack';
import { temporalSettings } from '../connection';

/** `flotilla worker`: a worker for the server at TEMPORAL_ADDRESS (default localhost:7233), until Ctrl-C. */
export async function workerCommand(args: ParsedArgs, out: (s: string) => void): Promise<number> {
  process.env.TEMPORAL_ADDRESS ??= temporalSettings().address;
  const stack = await startLocalStack({ worker: true, maxParallel: intFlag(args, 'max-parallel', 4), agentRequestsPerMinute: agentRpm(args), log: out });
  const stop = () => void stack.stop();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  await stack.workerDone;
  await stack.stop();
  return 0;
}
