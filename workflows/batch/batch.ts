import {
  CancellationScope,
  condition,
  getExternalWorkflowHandle,
  isCancellation,
  setCurrentDetails,
  setHandler,
  startChild,
} from '@temporalio/workflow';
import type { TaskState } from '../../core/types';
import { type PlannedTask, RISK_RANK } from '../../planner/types';
import { activitiesOnHost, mainActivities } from '../activity-proxies';
import { fromOutcome, validateBatch } from './batch-suite';
import { integrationQueue } from './integration';
import { progressReporter } from './progress-reporter';
import {
  batchUpdateSignal,
  branchReadySignal,
  controlSignal,
  taskUpdatesSignal,
  type TaskUpdate,
} from '../run-messages';
import { agentLanes, laneGrantedSignal, laneNextSignal } from './lanes';
import { taskWorkflow } from '../task/task';
import { slimEvidence } from '../../core/run-state';
import { addUsage } from '../../core/usage';
import type { BatchInput, GroupResult, TaskOutcome } from '../types';
import type { TaskHost } from '../../core/task-queues';
import type { IntegrateResult } from '../../activities/git/integrate';
import { cutBytes } from '../../core/search-attributes';
import { childAttributes, upsertFlotillaState } from '../search-attributes';

/** On the run branch: integrated (its batch's suite not yet passed on it) or committed (passed). */
const landed = (t: TaskState) => t.status === 'integrated' || t.status === 'committed';

/**
 * One batch: its tasks run as child workflows (all at once up to --max-parallel for a parallel batch,
 * one after another otherwise), each passing change is put on the run branch one at a time, then the
 * full suite runs on the branch. If the suite fails, a bisection finds the changes that break it together,
 * and only those are dropped and recorded as skipped. Honours pause, skip, approve and abort.
 */
export async function batchWorkflow({
  ctx,
  batch,
  tip: startTip,
  blocked,
  control: initial,
  priorUsage,
}: BatchInput): Promise<GroupResult> {
  const main = mainActivities();
  const root = getExternalWorkflowHandle(ctx.rootWorkflowId);
  const waiting = new Set<string>();
  // The Web UI's "current details" of the batch (no history: it is read through a query).
  const showDetails = () => {
    const done = [...results.values()];
    const lines = [
      `**Batch ${batch.id}** (${batch.mode}): ${done.length}/${batch.taskIds.length} tasks done — ${done.filter(landed).length} on the run branch, ${done.filter((t) => !landed(t)).length} skipped or failed`,
    ];
    const started = [...running.keys()].filter((id) => !onDeck.has(id));
    if (started.length) lines.push('', `Running: ${started.join(', ')}`);
    if (onDeck.size) lines.push('', `Waiting for a lane: ${[...onDeck].join(', ')}`);
    if (waiting.size)
      lines.push('', `Waiting for approval: ${[...waiting].join(', ')} (flotilla approve ${ctx.runId} TASK-x)`);
    setCurrentDetails(lines.join('\n'));
  };
  // Reports coalesced into taskUpdates signals, none of them awaited on a lane's or the integration's path.
  const reporter = progressReporter((us) => root.signal(taskUpdatesSignal, us));
  const report = async (u: TaskUpdate) => {
    if (u.status === 'awaiting-approval') waiting.add(u.id);
    else waiting.delete(u.id);
    showDetails();
    return reporter.send(u);
  };
  /** A report that the caller does not wait for (a failure surfaces at the batch's end, through flush). */
  const post = (u: TaskUpdate): Promise<void> => {
    report(u).catch(() => undefined);
    return Promise.resolve();
  };
  let control = initial;
  const running = new Map<string, CancellationScope>();
  // Tasks on deck (started, waiting for a lane) and those that never got one because the run hit a fatal error.
  const onDeck = new Set<string>();
  const notStarted = new Map<string, string>();
  const cancelSkipped = () => {
    for (const [id, scope] of running) if (control.abort || control.skip.includes(id)) scope.cancel();
  };
  setHandler(controlSignal, (c) => {
    control = c;
    cancelSkipped();
  });
  const announced = root.signal(batchUpdateSignal, { id: batch.id, state: 'running' });
  // The batch's tasks are loaded while the run hears it started.
  const [tasks] = await Promise.all([
    main.loadPlannedTasks({ runId: ctx.runId, repoPath: ctx.repoPath, ids: batch.taskIds }),
    announced,
  ]);

  const results = new Map<string, TaskState>();
  const ready: Array<{ task: PlannedTask; outcome: TaskOutcome; commit: string }> = [];
  let tip = startTip;
  let fatal: string | undefined;
  const pendingIntegrations: Promise<unknown>[] = [];
  /** What putting a change onto the run branch gave: committed, or skipped with why. */
  const recorded = async (task: PlannedTask, outcome: TaskOutcome, r: IntegrateResult) => {
    tip = r.tip;
    if (!r.ok) return finish(task, { ...fromOutcome(outcome), status: 'skipped', reason: r.reason });
    ready.push({ task, outcome, commit: r.commit });
    return finish(task, { ...fromOutcome(outcome), status: 'integrated', commit: r.commit });
  };
  const integration = integrationQueue(ctx, (task, outcome, r) => recorded(task, outcome, r));

  const finish = async (task: PlannedTask, state: Omit<TaskState, 'id' | 'title' | 'phase' | 'batch'>) => {
    const full: TaskState = { id: task.id, title: task.title, phase: batch.phase, batch: batch.id, ...state };
    // A retried task's bill includes what its earlier tries cost.
    const prior = priorUsage?.[task.id];
    if (prior) {
      const usage = { ...prior };
      if (state.usage) addUsage(usage, state.usage);
      full.usage = usage;
    }
    results.set(task.id, full);
    await post(full);
  };
  const operatorStop = (id: string) =>
    control.abort ? 'run aborted by the operator' : control.skip.includes(id) ? 'skipped by the operator' : null;

  // Ready tasks' worktrees, removed beside the integration and the suite (not cancellable: nothing is left behind).
  const removals: Promise<unknown>[] = [];
  const removeWorktrees = (taskId: string, hosts: TaskHost[]) => {
    const ref = { runId: ctx.runId, repoPath: ctx.repoPath, taskId };
    const removeOn = (h?: TaskHost) =>
      (h ? activitiesOnHost(h).main : main).removeTaskWorktree(ref).catch(() => undefined);
    return CancellationScope.nonCancellable(() => Promise.all(hosts.length ? hosts.map(removeOn) : [removeOn()]));
  };
  const runOne = async (task: PlannedTask, deck?: { started: () => void }) => {
    const blocker = task.dependsOn.find((d) => blocked[d] || (results.has(d) && !landed(results.get(d)!)));
    if (blocker) {
      await finish(task, {
        status: 'skipped',
        attempts: 0,
        reason: `depends on ${blocker}, which did not commit (${blocked[blocker] ?? results.get(blocker)!.reason})`,
      });
      return;
    }
    await condition(() => !control.paused || !!control.abort);
    if (
      ctx.settings.approveRisk &&
      RISK_RANK[task.risk] >= RISK_RANK[ctx.settings.approveRisk] &&
      !control.approved.includes(task.id)
    ) {
      await report({
        id: task.id,
        status: 'awaiting-approval',
        reason: `waiting for: flotilla approve <runId> ${task.id}`,
      });
      await condition(() => control.approved.includes(task.id) || !!operatorStop(task.id));
    }
    const stop = operatorStop(task.id) ?? (fatal ? `not started: ${fatal}` : null);
    if (stop) {
      await finish(task, { status: 'skipped', attempts: 0, reason: stop });
      return;
    }
    // A task on deck is running once it has a lane (agentLanes' grant).
    if (deck) onDeck.add(task.id);
    else await post({ id: task.id, status: 'running', reason: undefined });
    const baseSha = batch.mode === 'parallel' ? startTip : tip;
    const scope = new CancellationScope();
    running.set(task.id, scope);
    showDetails();
    let outcome: TaskOutcome;
    let childRunId: string | undefined;
    try {
      outcome = await scope.run(async () => {
        const child = await startChild(taskWorkflow, {
          workflowId: `${ctx.rootWorkflowId}/${task.id}`,
          args: [
            {
              ctx,
              task,
              baseSha,
              ...(batch.mode === 'parallel' ? { lanes: 'agent-only' as const } : {}),
              ...(deck ? { waitForLane: true } : {}),
            },
          ],
          staticSummary: cutBytes(`${task.id}: ${task.title}`),
          ...childAttributes(),
        });
        childRunId = child.firstExecutionRunId;
        deck?.started();
        return child.result();
      });
    } catch (err) {
      if (!isCancellation(err)) throw err;
      if (onDeck.has(task.id)) {
        await finish(task, {
          status: 'skipped',
          attempts: 0,
          reason: notStarted.get(task.id) ?? `${operatorStop(task.id) ?? 'cancelled'} before it started`,
        });
        return;
      }
      // The turns its agent paid for before the cancellation are still on the bill (the per-turn ledger).
      const spent = childRunId
        ? {
            usage: await main.lostAgentUsage({
              runId: ctx.runId,
              repoPath: ctx.repoPath,
              taskId: task.id,
              workflowRunId: childRunId,
            }),
          }
        : {};
      await finish(task, {
        status: 'skipped',
        attempts: 1,
        reason: `${operatorStop(task.id) ?? 'cancelled'} while running; its worktree was discarded`,
        ...spent,
      });
      return;
    } finally {
      running.delete(task.id);
      onDeck.delete(task.id);
    }
    if (outcome.worktreesOn) removals.push(removeWorktrees(task.id, outcome.worktreesOn));
    if (outcome.fatal) fatal = outcome.reason;
    if (outcome.status !== 'ready') {
      await finish(task, {
        ...fromOutcome(outcome),
        status: outcome.status === 'failed' ? 'failed' : 'skipped',
        reason: outcome.reason,
        failingTests: outcome.failingTests,
      });
      return;
    }
    const integrated = integration.integrate(task, outcome);
    if (batch.mode !== 'parallel') return integrated;
    // The lane takes its next task while this change waits for its turn onto the run branch (a parallel
    // batch's tasks all start from the batch's start, so none needs the other's integration).
    integrated.catch(() => undefined);
    pendingIntegrations.push(integrated);
  };

  if (batch.mode === 'parallel') {
    const lanes = Math.max(1, Math.min(ctx.settings.maxParallel, tasks.length));
    // Tasks on deck: two per lane, so that a lane that just changed hands is promised its next task from the deck at
    // once, without waiting for a child workflow to start.
    await agentLanes(lanes, 2 * lanes, tasks, {
      start: runOne,
      deckOpen: () => !control.paused || !!control.abort,
      grant: async (id, fromDeck) => {
        if (fromDeck && fatal) {
          notStarted.set(id, `not started: ${fatal}`);
          running.get(id)?.cancel();
          return false;
        }
        const granted = getExternalWorkflowHandle(`${ctx.rootWorkflowId}/${id}`).signal(laneGrantedSignal);
        if (fromDeck) {
          onDeck.delete(id);
          await post({ id, status: 'running', reason: undefined });
        }
        await granted;
        return true;
      },
      tellNext: (holder, next) =>
        getExternalWorkflowHandle(`${ctx.rootWorkflowId}/${holder}`).signal(
          laneNextSignal,
          next ? { id: next, workflowId: `${ctx.rootWorkflowId}/${next}` } : null,
        ),
      // Its lane came from the task before it: it may already be running its agent.
      tookLane: async (id) => {
        if (fatal) {
          notStarted.set(id, `not started: ${fatal}`);
          running.get(id)?.cancel();
          return false;
        }
        onDeck.delete(id);
        await post({ id, status: 'running', reason: undefined });
        return true;
      },
    });
  } else {
    for (const task of tasks) await runOne(task);
  }
  await Promise.all(pendingIntegrations);
  // The run may start its review beside this suite when this is its last batch.
  if (ready.length) void root.signal(branchReadySignal, { batch: batch.id, tip }).catch(() => undefined);

  // The batch's full suite on its changes; red, the culprit search (batch-suite.ts). Each change ends committed,
  // integrated (with why) or skipped.
  const validated0 = ready.length ? await validateBatch(ctx, batch.id, startTip, ready, finish) : undefined;
  if (validated0?.tip) tip = validated0.tip;
  const suite = validated0?.suite;
  await Promise.all(removals);
  await reporter.flush();
  const ended = (s: TaskState['status']) => [...results.values()].filter((t) => t.status === s).length;
  const outcome = { committed: ended('committed'), skipped: ended('skipped'), failed: ended('failed') };
  await root.signal(batchUpdateSignal, { id: batch.id, state: 'done', outcome, ...(suite ? { suite } : {}) });
  const validated = suite?.passed ? { sha: tip, label: `batch-${batch.id}`, suite: slimEvidence(suite) } : undefined;
  upsertFlotillaState(fatal ? 'failed' : 'completed');
  return { tip, tasks: [...results.values()], ...(fatal ? { fatal } : {}), ...(validated ? { validated } : {}) };
}
