import { CancellationScope, condition, getExternalWorkflowHandle, isCancellation, patched, setCurrentDetails, setHandler, startChild } from '@temporalio/workflow';
import type { TaskState } from '../core/types';
import type { PlannedTask } from '../planner/types';
import { hostActivities, mainActivities, testActivities } from './activity-proxies';
import { findCulprits } from './find-culprits';
import { batchUpdateSignal, branchReadySignal, controlSignal, taskUpdateSignal, taskUpdatesSignal, TaskUpdate } from './run-messages';
import { agentLanes, laneGrantedSignal, laneNextSignal } from './lanes';
import { taskWorkflow } from './task';
import { slimEvidence } from '../core/run-state';
import { addUsage } from '../core/usage';
import type { BatchInput, GroupResult, TaskOutcome } from './types';
import type { TaskHost } from '../core/task-queues';
import type { IntegrateResult } from '../activities/git/integrate';
import { cutBytes } from '../core/search-attributes';
import { childAttributes, upsertFlotillaState } from './search-attributes';

const RISK_RANK = { low: 0, medium: 1, high: 2 } as const;

/** Updates one signal carries at most (a few hundred bytes each). */
const UPDATES_PER_SIGNAL = 200;

/**
 * A batch's reports to its run, coalesced: one signal on its way at a time, carrying every update made while
 * the previous one travelled, in order. Alone, an update leaves at once; under load, one signal carries many
 * tasks' updates (fewer events in both histories, fewer workflow tasks of the run). `send` resolves once its
 * update reached the run; `flush` once every update did, and rejects with the first signal that failed.
 */
function progressReporter(signal: (updates: TaskUpdate[]) => Promise<void>) {
  let queued: TaskUpdate[] = [];
  let pumping: Promise<void> | null = null;
  let failure: { err: unknown } | undefined;
  const pump = async () => {
    try {
      while (queued.length) {
        const next = queued.slice(0, UPDATES_PER_SIGNAL);
        queued = queued.slice(UPDATES_PER_SIGNAL);
        await signal(next);
      }
    } catch (err) {
      failure ??= { err };
      throw err;
    } finally {
      pumping = null;
    }
  };
  return {
    send(u: TaskUpdate): Promise<void> {
      queued.push(u);
      pumping ??= pump();
      return pumping;
    },
    async flush(): Promise<void> {
      while (pumping) await pumping.catch(() => undefined);
      if (failure) throw failure.err;
    },
  };
}

/** What a task's outcome tells its final state, whatever that state is. */
const fromOutcome = (o: TaskOutcome) => ({ attempts: o.attempts, usage: o.usage, ...(o.warnings ? { warnings: o.warnings } : {}), ...(o.tests ? { tests: o.tests } : {}), ...(o.review ? { review: o.review } : {}) });

/**
 * One batch: its tasks run as child workflows (all at once up to --max-parallel for a parallel batch,
 * one after another otherwise), each passing change is put on the run branch one at a time, then the
 * full suite runs on the branch. If the suite fails, a bisection finds the changes that break it together,
 * and only those are dropped and recorded as skipped. Honours pause, skip, approve and abort.
 */
export async function batchWorkflow({ ctx, batch, tip: startTip, blocked, control: initial, priorUsage }: BatchInput): Promise<GroupResult> {
  const git = mainActivities();
  const testing = testActivities();
  const root = getExternalWorkflowHandle(ctx.rootWorkflowId);
  const waiting = new Set<string>();
  // The Web UI's "current details" of the batch (no history: it is read through a query).
  const showDetails = () => {
    const done = [...results.values()];
    const lines = [`**Batch ${batch.id}** (${batch.mode}): ${done.length}/${batch.taskIds.length} tasks done — ${done.filter((t) => t.status === 'committed').length} committed, ${done.filter((t) => t.status !== 'committed').length} skipped or failed`];
    const started = [...running.keys()].filter((id) => !onDeck.has(id));
    if (started.length) lines.push('', `Running: ${started.join(', ')}`);
    if (onDeck.size) lines.push('', `Waiting for a lane: ${[...onDeck].join(', ')}`);
    if (waiting.size) lines.push('', `Waiting for approval: ${[...waiting].join(', ')} (flotilla approve ${ctx.runId} TASK-x)`);
    setCurrentDetails(lines.join('\n'));
  };
  // Reports coalesced into taskUpdates signals, none of them awaited on a lane's or the integration's path (runs
  // recorded before replay with one taskUpdate signal per update, each awaited).
  const coalesced = patched('coalesced-task-updates');
  const reporter = progressReporter((us) => root.signal(taskUpdatesSignal, us));
  const report = async (u: TaskUpdate) => {
    if (u.status === 'awaiting-approval') waiting.add(u.id);
    else waiting.delete(u.id);
    showDetails();
    return coalesced ? reporter.send(u) : root.signal(taskUpdateSignal, u);
  };
  /** A report that the caller does not wait for when coalesced (a failure surfaces at the batch's end, through flush). */
  const post = (u: TaskUpdate): Promise<void> => {
    const sent = report(u);
    if (!coalesced) return sent;
    sent.catch(() => undefined);
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
  // The batch's tasks are loaded while the run hears it started (before: one after the other).
  if (!coalesced) await announced;
  const [tasks] = await Promise.all([git.loadPlannedTasks({ runId: ctx.runId, repoPath: ctx.repoPath, ids: batch.taskIds }), announced]);

  const results = new Map<string, TaskState>();
  const ready: Array<{ task: PlannedTask; outcome: TaskOutcome }> = [];
  let tip = startTip;
  let fatal: string | undefined;
  // Changes go onto the run branch one at a time, in the order their tasks finish.
  let integration: Promise<unknown> = Promise.resolve();
  const oneAtATime = <T>(f: () => Promise<T>): Promise<T> => {
    const next = integration.then(f);
    integration = next.catch(() => undefined);
    return next;
  };

  let lanesGoOn = false;
  const pendingIntegrations: Promise<unknown>[] = [];
  /** What putting a change onto the run branch gave: committed, or skipped with why. */
  const recorded = (task: PlannedTask, outcome: TaskOutcome, r: IntegrateResult) => {
    tip = r.tip;
    if (!r.ok) return finish(task, { ...fromOutcome(outcome), status: 'skipped', reason: r.reason });
    ready.push({ task, outcome });
    return finish(task, { ...fromOutcome(outcome), status: 'committed', commit: r.commit });
  };
  // Grouped integration: the changes that finished while a group was being applied go on in the next group,
  // one activity for all of them, in the order they finished.
  let grouped = false;
  let integrating = false;
  const toIntegrate: Array<{ task: PlannedTask; outcome: TaskOutcome; done: () => void; failed: (err: unknown) => void }> = [];
  const integrateWaiting = async () => {
    if (integrating) return;
    integrating = true;
    try {
      while (toIntegrate.length) {
        const group = toIntegrate.splice(0);
        try {
          const commits = group.map((g) => ({ taskId: g.task.id, commit: g.outcome.commit! }));
          const results = await git.integrateCommits.executeWithOptions({ summary: cutBytes(`integrate ${commits.map((c) => c.taskId).join(', ')}`) }, [{ runId: ctx.runId, repoPath: ctx.repoPath, commits }]);
          await Promise.all(results.map((r, i) => recorded(group[i].task, group[i].outcome, r)));
          for (const g of group) g.done();
        } catch (err) {
          for (const g of group) g.failed(err);
        }
      }
    } finally {
      integrating = false;
    }
  };

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
  const operatorStop = (id: string) => (control.abort ? 'run aborted by the operator' : control.skip.includes(id) ? 'skipped by the operator' : null);

  let handOver = false;
  // Ready tasks' worktrees, removed beside the integration and the suite (not cancellable: nothing is left behind).
  const removals: Promise<unknown>[] = [];
  const removeWorktrees = (taskId: string, hosts: TaskHost[]) => {
    const ref = { runId: ctx.runId, repoPath: ctx.repoPath, taskId };
    const removeOn = (h?: TaskHost) => (h ? hostActivities(h).git : git).removeTaskWorktree(ref).catch(() => undefined);
    return CancellationScope.nonCancellable(() => Promise.all(hosts.length ? hosts.map(removeOn) : [removeOn()]));
  };
  const runOne = async (task: PlannedTask, deck?: { started: () => void }) => {
    const blocker = task.dependsOn.find((d) => blocked[d] || (results.has(d) && results.get(d)!.status !== 'committed'));
    if (blocker) {
      await finish(task, { status: 'skipped', attempts: 0, reason: `depends on ${blocker}, which did not commit (${blocked[blocker] ?? results.get(blocker)!.reason})` });
      return;
    }
    await condition(() => !control.paused || !!control.abort);
    if (ctx.settings.approveRisk && RISK_RANK[task.risk] >= RISK_RANK[ctx.settings.approveRisk] && !control.approved.includes(task.id)) {
      await report({ id: task.id, status: 'awaiting-approval', reason: `waiting for: flotilla approve <runId> ${task.id}` });
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
          args: [{ ctx, task, baseSha, ...(handOver ? { lanes: 'agent-only' as const } : {}), ...(deck ? { waitForLane: true } : {}) }],
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
        await finish(task, { status: 'skipped', attempts: 0, reason: notStarted.get(task.id) ?? `${operatorStop(task.id) ?? 'cancelled'} before it started` });
        return;
      }
      // The turns its agent paid for before the cancellation are still on the bill (the per-turn ledger).
      const spent = childRunId && patched('count-cancelled-task-tokens') ? { usage: await git.lostAgentUsage({ runId: ctx.runId, repoPath: ctx.repoPath, taskId: task.id, workflowRunId: childRunId }) } : {};
      await finish(task, { status: 'skipped', attempts: 1, reason: `${operatorStop(task.id) ?? 'cancelled'} while running; its worktree was discarded`, ...spent });
      return;
    } finally {
      running.delete(task.id);
      onDeck.delete(task.id);
    }
    if (outcome.worktreesOn) removals.push(removeWorktrees(task.id, outcome.worktreesOn));
    if (outcome.fatal) fatal = outcome.reason;
    if (outcome.status !== 'ready') {
      await finish(task, { ...fromOutcome(outcome), status: outcome.status === 'failed' ? 'failed' : 'skipped', reason: outcome.reason, failingTests: outcome.failingTests });
      return;
    }
    const integrated = grouped
      ? new Promise<void>((done, failed) => {
          toIntegrate.push({ task, outcome, done, failed });
          void integrateWaiting();
        })
      : oneAtATime(async () => recorded(task, outcome, await git.integrateCommit({ runId: ctx.runId, repoPath: ctx.repoPath, taskId: task.id, commit: outcome.commit! })));
    if (!lanesGoOn) return integrated;
    // The lane takes its next task while this change waits for its turn onto the run branch (a parallel
    // batch's tasks all start from the batch's start, so none needs the other's integration).
    integrated.catch(() => undefined);
    pendingIntegrations.push(integrated);
  };

  if (batch.mode === 'parallel') {
    // Lanes that go on while their changes are integrated (runs recorded before replay with lanes that wait).
    lanesGoOn = patched('lanes-go-on-during-integration');
    const lanes = Math.max(1, Math.min(ctx.settings.maxParallel, tasks.length));
    // A lane is one running agent (runs recorded before replay with a lane held for the task's whole life).
    handOver = lanesGoOn && patched('lanes-free-after-agent');
    grouped = handOver && patched('grouped-integration');
    // Tasks on deck (runs recorded before replay without them): two per lane, so that a lane that just changed hands
    // is promised its next task from the deck at once, without waiting for a child workflow to start.
    const deckSize = handOver && patched('agents-on-deck') ? 2 * lanes : 0;
    if (handOver) {
      await agentLanes(lanes, deckSize, tasks, {
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
        tellNext: (holder, next) => getExternalWorkflowHandle(`${ctx.rootWorkflowId}/${holder}`).signal(laneNextSignal, next ? { id: next, workflowId: `${ctx.rootWorkflowId}/${next}` } : null),
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
    }
    else {
      // --max-parallel lanes, each taking the next task when its previous one is done.
      let next = 0;
      await Promise.all(
        Array.from({ length: lanes }, async () => {
          while (next < tasks.length) await runOne(tasks[next++]);
        }),
      );
    }
  } else {
    for (const task of tasks) await runOne(task);
  }
  await Promise.all(pendingIntegrations);
  // The run may start its review beside this suite when this is its last batch.
  if (ready.length) void root.signal(branchReadySignal, { batch: batch.id, tip }).catch(() => undefined);

  let suite = ready.length ? await testing.runBranchTests.executeWithOptions({ summary: cutBytes(`batch ${batch.id} suite: ${ctx.testCommand}`) }, [{ runId: ctx.runId, repoPath: ctx.repoPath, command: ctx.testCommand, baseline: ctx.baseline, label: `batch-${batch.id}`, flakyReruns: ctx.settings.flakyReruns }]) : undefined;
  if (suite && !suite.passed) {
    // Layer validation failed: find the changes that break the suite together and drop only those.
    const search = await findCulprits(ctx, batch.id, startTip, ready, suite);
    tip = search.tip;
    suite = search.suite;
    for (const { task, outcome, commit } of search.kept) await finish(task, { ...fromOutcome(outcome), status: 'committed', commit });
    for (const { task, outcome, evidence } of search.dropped) {
      const names = evidence.failingTests.join('; ') || `exit code ${evidence.exitCode}`;
      await finish(task, { ...fromOutcome(outcome), status: 'skipped', reason: `rolled back: the full suite failed on the run branch with this change (${names})`, failingTests: evidence.failingTests });
    }
  }
  await Promise.all(removals);
  await reporter.flush();
  const ended = (s: TaskState['status']) => [...results.values()].filter((t) => t.status === s).length;
  const outcome = { committed: ended('committed'), skipped: ended('skipped'), failed: ended('failed') };
  await root.signal(batchUpdateSignal, { id: batch.id, state: 'done', outcome, ...(suite ? { suite } : {}) });
  const validated = suite?.passed ? { sha: tip, label: `batch-${batch.id}`, suite: slimEvidence(suite) } : undefined;
  upsertFlotillaState(fatal ? 'failed' : 'completed');
  return { tip, tasks: [...results.values()], ...(fatal ? { fatal } : {}), ...(validated ? { validated } : {}) };
}
