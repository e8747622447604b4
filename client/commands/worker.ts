import {
  bool,
  type Command,
  CONNECTION_FLAGS,
  connectionFrom,
  type FlagSpec,
  num,
  type Out,
  type ParsedArgs,
  str,
} from '../args';
import type { SandboxMode } from '../../core/types';
import { startLocalStack } from '../local-stack';

/**
 * --agent-rpm N: model requests per minute across all workers. The shared agents queue dispatches one activity
 * per model request of the coding agents (startAgent for turn 1, a modelPermit before each later turn), and N/60
 * per second is that queue's server-side rate (maxTaskQueueActivitiesPerSecond), taken from its pollers.
 */
export const AGENT_RPM_FLAG: FlagSpec = {
  type: 'string',
  value: 'N',
  int: { min: 1 },
  description:
    "model requests per minute of the coding agents, across all workers: the server-side rate limit of the shared agents queue, which dispatches one activity per model request (give every worker the same N; retries of a failed request and the reviewers' requests are not counted)",
  defaultText: 'no limit',
};

/** --agent-slots N: model turns at once on this worker process, on each of its agents queues (the shared one and its own). */
export const AGENT_SLOTS_FLAGS: Record<string, FlagSpec> = {
  'agent-slots': {
    type: 'string',
    value: 'N',
    int: { min: 1 },
    description:
      "model turns at once on this worker, on each of its agents queues (the shared one: agents' first turns; its own: their later turns and the reviews); agents mostly wait on the network",
    defaultText: '16',
  },
  'max-parallel': {
    type: 'string',
    value: 'N',
    int: { min: 1 },
    description: 'deprecated: the old name of --agent-slots',
  },
};

/** --stand-in: the stand-in model even when ANTHROPIC_API_KEY is set (as FLOTILLA_STAND_IN=1). */
export const STAND_IN_FLAG: FlagSpec = {
  type: 'boolean',
  description: 'use the stand-in model (not Claude) even when ANTHROPIC_API_KEY is set; also FLOTILLA_STAND_IN=1',
};

/** --ui-port of the commands that start the local dev server (dev, demo, eval). */
export const UI_PORT_FLAG: FlagSpec = {
  type: 'string',
  value: 'N',
  int: { min: 1 },
  description: "the dev server's Web UI port",
  defaultText: 'the port + 1000',
};

/** --port and --ui-port of the commands that start the local stack for one job (demo, eval). */
export const LOCAL_STACK_FLAGS: Record<string, FlagSpec> = {
  port: {
    type: 'string',
    value: 'N',
    int: { min: 1 },
    description: "the dev server's gRPC port (a server already there is used)",
    defaultText: '7233, or the server at TEMPORAL_ADDRESS',
  },
  'ui-port': UI_PORT_FLAG,
};

/** The worker's agent slots from --agent-slots, or the deprecated --max-parallel (with a note). */
export function agentSlotsFrom(args: ParsedArgs, command: string, out: Out): number | undefined {
  const slots = num(args, 'agent-slots');
  const old = num(args, 'max-parallel');
  if (old !== undefined) {
    out(
      `Note: flotilla ${command} --max-parallel is deprecated: it is --agent-slots (model turns at once on this worker)` +
        (slots !== undefined ? `; --agent-slots ${slots} wins` : `; using --agent-slots ${old}`),
    );
  }
  return slots ?? old;
}

/** `flotilla worker`: a worker for the server at --address / TEMPORAL_ADDRESS (default localhost:7233), until Ctrl-C. */
export const workerCommand: Command = {
  name: 'worker',
  summary: 'run a worker for an existing Temporal server, until Ctrl-C',
  details:
    'Uses Claude through ANTHROPIC_API_KEY. Without the variable, or with --stand-in / FLOTILLA_STAND_IN=1, it starts the stand-in model\n' +
    '(not Claude) and says so; a key that is set but empty is refused. Besides the shared queues it polls a queue of its own: the steps of a\n' +
    'task whose agent started here (its later turns, tests, review, commit) need its worktree, which is on this host (FLOTILLA_WORKTREES). The repositories must be\n' +
    'at the same path on every worker host (see "Scaling out" in the README). A run\'s tasks go as wide as the smaller of its lanes\n' +
    "(run --max-parallel) and the agent slots of all workers (--agent-slots on each). An agent's first model turn runs on the shared agents\n" +
    "queue, its later turns on this host's own (the worktree is here); --agent-rpm limits the model requests of all of them.",
  flags: {
    ...AGENT_SLOTS_FLAGS,
    'agent-rpm': AGENT_RPM_FLAG,
    'stand-in': STAND_IN_FLAG,
    sandbox: {
      type: 'string',
      value: 'MODE',
      choices: ['auto', 'required', 'off'],
      description:
        'the least sandbox a run may have on this worker, whatever the run asks for: required refuses to start without bubblewrap, and a run with --sandbox off fails on a worker with auto or required (SECURITY.md)',
      defaultText: 'FLOTILLA_SANDBOX, else no floor',
    },
    'pass-env': {
      type: 'string',
      value: 'NAMES',
      description:
        "variables of the worker's environment that repository commands get besides PATH, HOME, locale, TERM and CI (comma-separated; also FLOTILLA_PASS_ENV)",
      defaultText: 'none',
    },
    ...CONNECTION_FLAGS,
  },
  examples: [
    'flotilla worker',
    'flotilla worker --sandbox required --pass-env NPM_CONFIG_REGISTRY',
    'flotilla worker --address temporal.internal:7233 --namespace flotilla --agent-slots 8 --agent-rpm 50',
  ],
  async run(args, out) {
    const stack = await startLocalStack({
      worker: true,
      external: true,
      temporal: connectionFrom(args),
      maxParallel: agentSlotsFrom(args, 'worker', out),
      agentRequestsPerMinute: num(args, 'agent-rpm'),
      standIn: bool(args, 'stand-in'),
      sandboxFloor: str(args, 'sandbox') as SandboxMode | undefined,
      passEnv: str(args, 'pass-env')
        ?.split(',')
        .map((n) => n.trim())
        .filter(Boolean),
      log: out,
    });
    const stop = () => void stack.stop();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    await stack.workerDone;
    await stack.stop();
    return 0;
  },
};
