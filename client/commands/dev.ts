import { startStandInModel } from '../../dev/stand-in-model';
import { bool, type Command, num } from '../args';
import { startLocalStack } from '../local-stack';
import { chooseModel, standInBanner } from '../model-access';
import { AGENT_RPM_FLAG, AGENT_SLOTS_FLAGS, agentSlotsFrom, STAND_IN_FLAG, UI_PORT_FLAG } from './worker';

/** `flotilla dev`: the local Temporal dev server (Web UI on 8233), the stand-in model and a worker, in the foreground. */
export const devCommand: Command = {
  name: 'dev',
  summary: 'local Temporal dev server + Web UI + stand-in model + worker, in the foreground until Ctrl-C',
  details: 'The server keeps its history in .flotilla/temporal.db: start it again after a crash and the runs go on.',
  flags: {
    port: {
      type: 'string',
      value: 'N',
      int: { min: 1 },
      description: "the dev server's gRPC port (a server already there is used); refused with TEMPORAL_ADDRESS",
      defaultText: '7233',
    },
    'ui-port': UI_PORT_FLAG,
    'no-worker': {
      type: 'boolean',
      description: 'start no worker (the stand-in model still serves workers started elsewhere)',
    },
    ...AGENT_SLOTS_FLAGS,
    'agent-rpm': AGENT_RPM_FLAG,
    'stand-in': STAND_IN_FLAG,
  },
  examples: ['flotilla dev', 'flotilla dev --port 7300 --no-worker'],
  async run(args, out) {
    const asked = num(args, 'port');
    const port = asked ?? 7233;
    const withWorker = !bool(args, 'no-worker');
    const stack = await startLocalStack({
      port: asked,
      uiPort: num(args, 'ui-port') ?? port + 1000,
      worker: withWorker,
      maxParallel: agentSlotsFrom(args, 'dev', out),
      agentRequestsPerMinute: num(args, 'agent-rpm'),
      standIn: bool(args, 'stand-in'),
      log: out,
    });
    // Without a worker here, still serve the stand-in model (when no key is set) for workers started elsewhere.
    const choice = withWorker ? null : chooseModel({ standIn: bool(args, 'stand-in') });
    const standIn = choice?.kind === 'stand-in' ? await startStandInModel() : null;
    if (standIn) {
      out(standInBanner(standIn.url, choice!.kind === 'stand-in' ? choice!.reason : ''));
      out(`Start workers for it with: ANTHROPIC_API_KEY=stand-in ANTHROPIC_BASE_URL=${standIn.url} flotilla worker`);
    }
    out(
      `Ready. Start a run in another terminal: npx flotilla run --repo <your repo> --wait${port !== 7233 ? ` --address ${stack.address}` : ''}`,
    );
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
  },
};
