import { condition, executeChild, setHandler } from '@temporalio/workflow';
import { controlSignal } from './run-messages';
import type { TaskState } from '../core/types';
import { batchWorkflow } from './batch';
import type { GroupResult, PhaseInput } from './types';
import { cutBytes } from '../core/search-attributes';
import { childAttributes, upsertFlotillaState } from './search-attributes';

/** One phase: its batches run one after another, each starting from the run branch the previous one left. */
export async function phaseWorkflow({ ctx, phase, tip: startTip, blocked: blockedBefore, control: initial }: PhaseInput): Promise<GroupResult> {
  let control = initial;
  setHandler(controlSignal, (c) => {
    control = c;
  });
  let tip = startTip;
  const blocked = { ...blockedBefore };
  const states: TaskState[] = [];
  for (const batch of phase.batches) {
    await condition(() => !control.paused || !!control.abort);
    const r = await executeChild(batchWorkflow, {
      workflowId: `${ctx.rootWorkflowId}/batch-${batch.id}`,
      args: [{ ctx, batch, tip, blocked, control }],
      staticSummary: cutBytes(`Batch ${batch.id} (${batch.mode}): ${batch.label}`),
      ...childAttributes(),
    });
    tip = r.tip;
    for (const t of r.tasks) {
      states.push(t);
      if (t.status !== 'committed') blocked[t.id] = t.reason ?? t.status;
    }
    if (r.fatal) {
      upsertFlotillaState('failed');
      return { tip, tasks: states, fatal: r.fatal };
    }
  }
  upsertFlotillaState('completed');
  return { tip, tasks: states };
}
