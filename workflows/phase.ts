import { type ChildWorkflowHandle, condition, setHandler, startChild, workflowInfo } from '@temporalio/workflow';
import type { TaskState } from '../core/types';
import { batchWorkflow } from './batch/batch';
import { validatePhase } from './phase-validation';
import { controlSignal } from './run-messages';
import type { BatchInput, GroupResult, PhaseInput } from './types';
import { cutBytes } from '../core/search-attributes';
import { childAttributes, upsertFlotillaState } from './search-attributes';

/**
 * One phase: its batches run one after another, each starting from the run branch the previous one left.
 * The phase hands every control state it gets (pause, skip, approve, abort) to the batch it is running:
 * the run forwards commands to the batch it last heard from, which, between one batch ending and the next
 * one reporting, is the finished one; through the phase, a command sent at that moment still arrives.
 */
export async function phaseWorkflow({
  ctx,
  phase,
  tip: startTip,
  blocked: blockedBefore,
  control: initial,
}: PhaseInput): Promise<GroupResult> {
  let control = initial;
  let running: ChildWorkflowHandle<typeof batchWorkflow> | null = null;
  setHandler(controlSignal, (c) => {
    control = c;
    if (running) void running.signal(controlSignal, c).catch(() => undefined);
  });
  let tip = startTip;
  const blocked = { ...blockedBefore };
  const states: TaskState[] = [];
  let validated: GroupResult['validated'];
  const runBatch = async (
    input: BatchInput,
    options: { workflowId: string; staticSummary: string } & ReturnType<typeof childAttributes>,
  ): Promise<GroupResult> => {
    const child = await startChild(batchWorkflow, { ...options, args: [input] });
    running = child;
    // A command that arrived while the batch was being started went to nobody yet: hand it over now.
    if (control !== input.control) await child.signal(controlSignal, control).catch(() => undefined);
    try {
      return await child.result();
    } finally {
      running = null;
    }
  };
  for (const batch of phase.batches) {
    await condition(() => !control.paused || !!control.abort);
    const r = await runBatch(
      { ctx, batch, tip, blocked, control },
      {
        workflowId: `${ctx.rootWorkflowId}/batch-${batch.id}`,
        staticSummary: cutBytes(`Batch ${batch.id} (${batch.mode}): ${batch.label}`),
        ...childAttributes(),
      },
    );
    tip = r.tip;
    if (r.validated) validated = r.validated;
    for (const t of r.tasks) {
      states.push(t);
      if (t.status !== 'committed') blocked[t.id] = t.reason ?? t.status;
    }
    if (r.fatal) {
      upsertFlotillaState('failed');
      return { tip, tasks: states, fatal: r.fatal, ...(validated ? { validated } : {}) };
    }
  }
  // Phase validation: the full suite on the phase's last commit, the e2e suite there, what they found.
  const v = await validatePhase(
    ctx,
    workflowInfo().workflowId.replace(/^.*\/phase-/, ''),
    startTip,
    tip,
    states,
    validated,
  );
  upsertFlotillaState('completed');
  return {
    tip: v.tip,
    tasks: v.tasks,
    phaseCheck: v.check,
    ...(v.validated ? { validated: v.validated } : {}),
    ...(v.e2ePassed ? { e2ePassed: v.e2ePassed } : {}),
  };
}
