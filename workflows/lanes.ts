// A parallel batch's lanes (--max-parallel), both sides of their protocol: a lane is one running agent.
// The batch (`agentLanes`) gives lanes out; each task (`laneKeeper`) gives its lane back once its agent is done,
// so the batch's next agent starts while the finished task's tests, review and commit run beside it, and a task
// whose agent must run again asks for a lane first.
import { condition, defineSignal, getExternalWorkflowHandle, setCurrentDetails, setHandler, workflowInfo } from '@temporalio/workflow';
import type { PlannedTask } from '../planner/types';

/** Task → batch: my agent is done, my lane is free (argument: the task id). */
export const laneFreeSignal = defineSignal<[string]>('laneFree');
/** Task → batch: my agent must run again (tests failed, review asked for changes, its host stopped): give me a lane. */
export const laneWantedSignal = defineSignal<[string]>('laneWanted');
/** Batch → task: a lane is yours. */
export const laneGrantedSignal = defineSignal('laneGranted');

/** How a task holds its batch's lane (part of TaskInput). */
export interface TaskLane {
  /**
   * 'agent-only': the task holds one of its batch's lanes only while its agent runs (workflows/lanes.ts),
   * and a task that ends ready leaves its worktree for the batch to remove (TaskOutcome.worktreesOn).
   * Unset: it holds its lane and removes its worktree itself, to its end.
   */
  lanes?: 'agent-only';
  /** Started on deck: the task has no lane yet and waits for its batch to give it one before its agent runs. */
  waitForLane?: boolean;
}

/** What agentLanes asks of its batch. */
export interface LaneHooks {
  /** Starts a task: holding a lane, or on deck (`deck`: its workflow starts and waits for a lane; `started` once it has). */
  start(task: PlannedTask, deck?: { started: () => void }): Promise<unknown>;
  /** Gives a lane to a task that waits for one (a retry, or a task on deck); false when it must not run any more. */
  grant(id: string, fromDeck: boolean): Promise<boolean>;
  /** Whether a task on deck may be given a lane now (not while the run is paused). */
  deckOpen(): boolean;
}

/**
 * --max-parallel lanes, each one running agent: a task starts in a free lane and gives it back when its agent is
 * done (laneFree), so the next task's agent starts while the finished one's tests and commit run beside it.
 * A task whose agent must run again asks for a lane (laneWanted) and is served first. Up to `deckSize` more
 * tasks wait on deck, their workflows already started, so a lane that frees is taken by a signal instead of
 * a child workflow's start. A task that ends still holding its lane frees it. Resolves when every task has
 * ended; rejects with the first error.
 */
export async function agentLanes(lanes: number, deckSize: number, tasks: PlannedTask[], hooks: LaneHooks): Promise<void> {
  let free = lanes;
  let next = 0;
  let failure: { err: unknown } | undefined;
  const active = new Set<string>();
  const holding = new Set<string>();
  const wanted: string[] = [];
  const deck = new Set<string>(); // on deck, not yet given a lane
  const ready: string[] = []; // on deck with its workflow started, in the order they started
  setHandler(laneFreeSignal, (id) => {
    if (holding.delete(id)) free++;
  });
  setHandler(laneWantedSignal, (id) => void wanted.push(id));
  const take = (id: string) => {
    free--;
    holding.add(id);
  };
  const release = (id: string) => {
    if (holding.delete(id)) free++;
  };
  const give = (id: string, fromDeck: boolean) => {
    take(id);
    hooks.grant(id, fromDeck).then(
      (ok) => void (ok || release(id)),
      () => release(id), // it ended meanwhile
    );
  };
  const start = (task: PlannedTask, onDeck: boolean) => {
    active.add(task.id);
    if (onDeck) deck.add(task.id);
    else take(task.id);
    const started = () => void (deck.has(task.id) && ready.push(task.id));
    hooks
      .start(task, onDeck ? { started } : undefined)
      .catch((err) => void (failure ??= { err }))
      .finally(() => {
        active.delete(task.id);
        deck.delete(task.id);
        if (ready.includes(task.id)) ready.splice(ready.indexOf(task.id), 1);
        release(task.id);
      });
  };
  const grantReady = () => free > 0 && ready.length > 0 && hooks.deckOpen();
  const startHolding = () => free > 0 && ready.length === 0 && next < tasks.length;
  const startOnDeck = () => deck.size < deckSize && next < tasks.length;
  const allDone = () => active.size === 0 && next >= tasks.length;
  for (;;) {
    await condition(() => !!failure || (free > 0 && wanted.length > 0) || grantReady() || startHolding() || startOnDeck() || allDone());
    if (failure) throw failure.err;
    if (free > 0 && wanted.length) {
      const id = wanted.shift()!;
      if (active.has(id)) give(id, false);
    } else if (grantReady()) {
      const id = ready.shift()!;
      deck.delete(id);
      give(id, true);
    } else if (startHolding()) start(tasks[next++], false);
    else if (startOnDeck()) start(tasks[next++], true);
    else return;
  }
}

/**
 * The task's lane in its batch, when it holds one only while its agent runs: it starts with the lane the batch
 * started it in (or, on deck, waits for the batch to give it one), gives it back when its agent is done, and
 * asks for one again before its agent runs again.
 * Otherwise (`handsBack` false) both are no-ops: the task holds its lane until it ends.
 */
export function laneKeeper(taskId: string, handsBack: boolean, onDeck: boolean) {
  let holding = !onDeck;
  // A task on deck is in its batch's queue already: its first lane comes without asking.
  let asked = onDeck;
  let grants = 0;
  let given: Promise<void> = Promise.resolve();
  const batch = handsBack ? getExternalWorkflowHandle(workflowInfo().parent!.workflowId) : undefined;
  if (batch) setHandler(laneGrantedSignal, () => void grants++);
  return {
    give(): void {
      if (!batch || !holding) return;
      holding = false;
      // Not awaited here: the task's tests start at once. A batch that already ended ignores it.
      given = batch.signal(laneFreeSignal, taskId).catch(() => undefined);
    },
    async take(): Promise<void> {
      if (!batch || holding) return;
      if (!asked) {
        await given; // the batch sees "free" before "wanted"
        await batch.signal(laneWantedSignal, taskId);
      }
      asked = false;
      setCurrentDetails(`**${taskId}**: waiting for a free lane to run its agent again`);
      await condition(() => grants > 0);
      grants--;
      holding = true;
    },
  };
}
