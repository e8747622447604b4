import { condition, executeChild, setHandler } from '@temporalio/workflow';
import { controlSignal } from './run-messages';
import type { TaskState } from '../core/types';
import { batchWorkflow } from './batch';
import type { GroupResult, PhaseInput } from './types';

/** One phase: its batches run one after another, each starting from the run branch the previous one left. */
export async function phaseWorkflow({ ctx, phase, tip: startTip, blocked: blockedBefore, control: initial }: PhaseInput): Promise<GroupResult> {
  let control = initial;
  setHandler(controlSignal, (c) => {
    control = c;
  });
  let tip = startTip;
  const blocked = { ...blockedBefore };
  const states: TaskState[] = [];
  let validated: GroupResult['validated'];
  for (const batch of phase.batches) {
    await condition(() => !control.paused || !!control.abort);
    const r = await executeChild(batchWorkflow, {
      workflowId: `${ctx.rootWorkflowId}/batch-${batch.id}`,
      args: [{ ctx, batch, tip, blocked, control }],
      staticSummary: `Batch ${batch.id} (${batch.mode}): ${batch.label}`.slice(0, 200),
    });
    tip = r.tip;
    if (r.validated) validated = r.validated;
    for (const t of r.tasks) {
      states.push(t);
      if (t.status !== 'committed') blocked[t.id] = t.reason ?? t.status;
    }
    if (r.fatal) return { tip, tasks: states, fatal: r.fatal, ...(validated ? { validated } : {}) };
  }
  return { tip, tasks: states, ...(validated ? { validated } : {}) };
}
