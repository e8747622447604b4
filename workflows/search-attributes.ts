// Flotilla's search attributes inside workflows. Sandbox-safe.
import { upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import {
  flotillaAttributes,
  FLOTILLA_REPO,
  FLOTILLA_RUN_ID,
  FLOTILLA_STATE,
  type FlotillaState,
} from '../core/search-attributes';

/** Options for a child workflow: the run's id and repository, state running (nothing when this workflow has none). */
export function childAttributes(): { typedSearchAttributes?: ReturnType<typeof flotillaAttributes> } {
  const sa = workflowInfo().typedSearchAttributes;
  const runId = sa.get(FLOTILLA_RUN_ID);
  if (runId === undefined) return {};
  return { typedSearchAttributes: flotillaAttributes(runId, sa.get(FLOTILLA_REPO) ?? '') };
}

/**
 * Sets FlotillaState when it changed (one history event per change of state, never per signal). The client sets
 * the attributes at start only when the namespace has them registered (an upsert of an unknown attribute would
 * fail the workflow task), and the run passes them on to its children: a workflow without them upserts nothing.
 */
export function upsertFlotillaState(state: FlotillaState): void {
  const sa = workflowInfo().typedSearchAttributes;
  if (sa.get(FLOTILLA_RUN_ID) === undefined || sa.get(FLOTILLA_STATE) === state) return;
  upsertSearchAttributes([{ key: FLOTILLA_STATE, value: state }]);
}
