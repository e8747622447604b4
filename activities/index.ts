import { makeIntegrationActivities } from './integration';
import { makePlanStoreActivities } from './plan-store';
import { defaultWorktreeRoot } from './run-paths';
import { makeRunSetupActivities } from './run-setup';
import { makeTaskStepActivities, ModelAccess } from './task-steps';

export interface ActivityDeps {
  modelAccess: ModelAccess;
  /** Folder for worktrees, outside any repository. */
  worktreeRoot?: string;
}

/** All of Flotilla's activities, built from their dependencies (the Temporal samples' factory style). */
export function createActivities(deps: ActivityDeps) {
  const worktreeRoot = deps.worktreeRoot ?? defaultWorktreeRoot();
  return {
    ...makeRunSetupActivities(worktreeRoot),
    ...makeTaskStepActivities({ worktreeRoot, modelAccess: deps.modelAccess }),
    ...makeIntegrationActivities(worktreeRoot),
    ...makePlanStoreActivities(),
  };
}

export type Activities = ReturnType<typeof createActivities>;
