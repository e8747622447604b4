// Flotilla's activities, one factory per task queue (the Temporal samples' style: factories take their
// dependencies). The queue an activity runs on follows from the factory that builds it: the workflows
// proxy each queue with its own interface (workflows/activity-proxies.ts), so a call on the wrong queue
// does not compile.
import { makeAgentTurnActivities } from './agent/agent-turns';
import type { ModelAccess } from './model-client';
import { lostUsageActivities } from './agent/lost-usage';
import { makeCommitActivities } from './git/commit-task';
import { makeIntegrateActivities } from './git/integrate';
import { makeRunSetupActivities } from './git/prepare-run';
import { makeRunRecordActivities } from './records/finish-run';
import { makePlanRunActivities } from './records/plan-run';
import { makePlanStoreActivities } from './records/plan-store';
import { makeReviewActivities } from './review/review-activities';
import { runReviewListActivities } from './review/run-review';
import { hostLiveness } from './hosts';
import { defaultWorktreeRoot } from './run-paths';
import type { TaskHost } from '../core/task-queues';
import { makeTestActivities } from './test-runs/test-activities';

export type { ModelAccess };

export interface ActivityDeps {
  /** Folder for worktrees, outside any repository. */
  worktreeRoot?: string;
  /** This worker process's own queue, when it polls one: the agent reports it as the host of the worktree it made. */
  host?: TaskHost;
  /** The worker has --agent-rpm (the shared agents queue's server-side rate): each later model turn takes a permit there first. */
  rateLimited?: boolean;
  /** Why this worker's model is the stand-in (not Claude), when it is: the records say so. */
  standIn?: string;
}

/** The run's own queue: git, worktrees, plans and records (quick work, beside the workflows). */
export function createMainActivities(deps: ActivityDeps = {}) {
  const worktreeRoot = deps.worktreeRoot ?? defaultWorktreeRoot();
  return {
    ...makeRunSetupActivities(),
    ...makePlanRunActivities({ standIn: deps.standIn }),
    ...makePlanStoreActivities(),
    ...makeCommitActivities(worktreeRoot),
    ...makeIntegrateActivities(worktreeRoot),
    ...makeRunRecordActivities(worktreeRoot),
    ...lostUsageActivities,
    ...hostLiveness,
    ...runReviewListActivities,
  };
}

/**
 * The agents queue (`<queue>-agents`): the coding agent's first turn (startAgent) and its model-request permits,
 * and the reviewers.
 * agentTurn is here too, for workers without a host queue; with one, later turns run on the host's agents queue.
 */
export function createAgentActivities(deps: ActivityDeps & { modelAccess: ModelAccess }) {
  const model = {
    worktreeRoot: deps.worktreeRoot ?? defaultWorktreeRoot(),
    modelAccess: deps.modelAccess,
    standIn: deps.standIn,
  };
  return {
    ...makeAgentTurnActivities({ ...model, host: deps.host, rateLimited: deps.rateLimited }),
    ...makeReviewActivities(model),
  };
}

/** The tests queue (`<queue>-tests`): every test suite, sized to the CPU count. */
export function createTestActivities(deps: ActivityDeps = {}) {
  return makeTestActivities(deps.worktreeRoot ?? defaultWorktreeRoot());
}

/**
 * A host's own queues (`<queue>-host-<id>`, `-agents`, `-tests`): the steps that need a task's worktree,
 * on the worker process whose disk holds it (the one whose agent made it): the agent's later turns, its tests,
 * review, commit and removal.
 */
export function createHostActivities(deps: ActivityDeps & { modelAccess: ModelAccess }) {
  const worktreeRoot = deps.worktreeRoot ?? defaultWorktreeRoot();
  const { commitTask, removeTaskWorktree } = makeCommitActivities(worktreeRoot);
  const { reviewTask } = makeReviewActivities({ worktreeRoot, modelAccess: deps.modelAccess, standIn: deps.standIn });
  const { agentTurn } = makeAgentTurnActivities({ worktreeRoot, modelAccess: deps.modelAccess, host: deps.host });
  const { runTaskTests } = makeTestActivities(worktreeRoot);
  return { main: { commitTask, removeTaskWorktree }, agents: { reviewTask, agentTurn }, tests: { runTaskTests } };
}

export type MainActivities = ReturnType<typeof createMainActivities>;
export type AgentActivities = ReturnType<typeof createAgentActivities>;
export type TestActivities = ReturnType<typeof createTestActivities>;
export type HostActivities = ReturnType<typeof createHostActivities>;
