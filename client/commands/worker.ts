import { Command, CONNECTION_FLAGS, connectionFrom, FlagSpec, num } from '../args';
import { startLocalStack } from '../local-stack';

/** --agent-rpm N: model requests per minute across all workers (the agents queue's rate limit). */
export const AGENT_RPM_FLAG: FlagSpec = { type: 'string', value: 'N', int: { min: 1 }, description: "model requests per minute across all workers (the agents queue's server-side rate limit)", defaultText: 'no limit' };

/** `flotilla worker`: a worker for the server at --address / TEMPORAL_ADDRESS (default localhost:7233), until Ctrl-C. */
export const workerCommand: Command = {
  name: 'worker',
  summary: 'run a worker for an existing Temporal server, until Ctrl-C',
  details:
    'Starts the stand-in model too when ANTHROPIC_API_KEY is not set. Besides the shared queues it polls a queue of its own: the steps of a ' +
    'task whose agent ran here (tests, review, commit) need its worktree, which is on this host (FLOTILLA_WORKTREES). The repositories must be ' +
    'at the same path on every worker host (see "Scaling out" in the README).',
  flags: {
    'max-parallel': { type: 'string', value: 'N', int: { min: 1 }, default: 4, description: 'agents at once on this worker' },
    'agent-rpm': AGENT_RPM_FLAG,
    ...CONNECTION_FLAGS,
  },
  examples: ['flotilla worker', 'flotilla worker --address temporal.internal:7233 --namespace flotilla --max-parallel 8 --agent-rpm 50'],
  async run(args, out) {
    const stack = await startLocalStack({ worker: true, external: true, temporal: connectionFrom(args), maxParallel: num(args, 'max-parallel'), agentRequestsPerMinute: num(args, 'agent-rpm'), log: out });
    const stop = () => void stack.stop();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    await stack.workerDone;
    await stack.stop();
    return 0;
  },
};
