import { startStandInModel } from '../../dev/stand-in-model';
import { agentRpm, intFlag, ParsedArgs } from '../args';
import { startLocalStack } from '../local-stack';

/** `flotilla dev`: the local Temporal dev server (Web UI on 8233), the stand-in model and a worker, in the foreground. */
export async function devCommand(args: ParsedArgs, out: (s: string) => void): Promise<number> {
  const port = intFlag(args, 'port', 7233);
  const withWorker = args.flags['no-worker'] !== true;
  const stack = await startLocalStack({ port, uiPort: intFlag(args, 'ui-port', port + 1000), worker: withWorker, maxParallel: intFlag(args, 'max-parallel', 4), agentRequestsPerMinute: agentRpm(args), log: out });
  // Without a worker here, still serve the stand-in model (when no key is set) for workers started elsewhere.
  const standIn = !withWorker && !process.env.ANTHROPIC_API_KEY ? await startStandInModel() : null;
  if (standIn) out(`Stand-in model at ${standIn.url}: start workers with ANTHROPIC_API_KEY=stand-in ANTHROPIC_BASE_URL=${standIn.url}`);
  out(`Ready. Start a run in another terminal: npx flotilla run --repo <your repo> --wait${port !== 7233 ? ` (with TEMPORAL_ADDRESS=${stack.address})` : ''}`);
  if (stack.uiUrl) out(`Web UI: ${stack.uiUrl}`);
  out('Press Ctrl-C to stop.');
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  out('Stopping…');
  await standIn?.close();
  await stack.stop();
  return 0;
}
