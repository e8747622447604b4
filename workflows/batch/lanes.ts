// A parallel batch's lanes (--max-parallel), both sides of their protocol: a lane is one running agent.
// The batch (`agentLanes`) gives lanes out; each task (`laneKeeper`) gives its lane back once its agent is done,
// so the batch's next agent starts while the finished task's tests, review and commit run beside it, and a task
// whose agent must run again asks for a lane first.
// Hand-off without the batch: while a task's agent runs, the batch tells it which task on deck takes its lane next
// (laneNext); when its agent is done, the task grants the lane to that task itself (laneGranted, task → task) and
// tells the batch afterwards (laneHanded). The next agent starts within one workflow task of the task on deck,
// however busy the batch is with the other tasks' updates, integrations and removals.
import {
  condition,
  defineSignal,
  getExternalWorkflowHandle,
  setCurrentDetails,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { PlannedTask } from '../../planner/types';

/** Task → batch: my agent is done, my lane is free (argument: the task id). */
export const laneFreeSignal = defineSignal<[string]>('laneFree');
/** Task → batch: my agent must run again (tests failed, review asked for changes, its host stopped): give me a lane. */
export const laneWantedSignal = defineSignal<[string]>('laneWanted');
/** Batch (or the task that held the lane) → task: a lane is yours. */
export const laneGrantedSignal = defineSignal('laneGranted');

/** Which task on deck takes a lane next: its id and its workflow's. */
export interface NextInLane {
  id: string;
  workflowId: string;
}
/** Batch → a task holding a lane: when your agent is done, grant your lane to this task (null: give it back to me). */
export const laneNextSignal = defineSignal<[NextInLane | null]>('laneNext');
/** Task → batch: my agent is done and I granted my lane to the task named (arguments: my id, its id). */
export const laneHandedSignal = defineSignal<[string, string]>('laneHanded');

/** How a task holds its batch's lane (part of TaskInput). */
export interface TaskLane {
  /**
   * 'agent-only': the task holds one of its batch's lanes only while its agent runs (workflows/batch/lanes.ts),
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
  /** Tells a task holding a lane which task on deck takes it next (null: nobody, give it back). */
  tellNext(holder: string, next: string | null): Promise<void>;
  /** A task on deck got its lane straight from the task before it: false when it must not run any more. */
  tookLane(id: string): Promise<boolean>;
}

/**
 * --max-parallel lanes, each one running agent: a task starts in a free lane and gives it back when its agent is
 * done, so the next task's agent starts while the finished one's tests and commit run beside it.
 * A task whose agent must run again asks for a lane (laneWanted) and is served first. Up to `deckSize` more
 * tasks wait on deck, their workflows already started. Each task on deck is promised, ahead of time, to a task
 * holding a lane (laneNext), which grants it its lane itself when its agent is done (laneHanded tells the batch);
 * a lane given back instead (laneFree: the promise came too late, was withdrawn while the run is paused, or its
 * holder ended) goes to the next task on deck through the batch, as before. A task that ends still holding its
 * lane frees it. Resolves when every task has ended; rejects with the first error.
 */
export async function agentLanes(
  lanes: number,
  deckSize: number,
  tasks: PlannedTask[],
  hooks: LaneHooks,
): Promise<void> {
  let free = lanes;
  let next = 0;
  let failure: { err: unknown } | undefined;
  const active = new Set<string>();
  const holding = new Set<string>(); // in the order they took their lanes
  const wanted: string[] = [];
  const deck = new Set<string>(); // on deck, not yet given a lane
  const ready: string[] = []; // on deck with its workflow started, not promised to a lane, in the order they started
  const promised = new Map<string, string>(); // holder → the task on deck it grants its lane to
  const withdrawn = new Set<string>(); // holders told to give their lane back instead (the run is paused)
  const take = (id: string) => {
    free--;
    holding.add(id);
  };
  const release = (id: string) => {
    if (holding.delete(id)) free++;
  };
  /** The promise of `holder`'s lane is void: its task on deck waits for a lane again, first in line. */
  const unpromise = (holder: string) => {
    const to = promised.get(holder);
    promised.delete(holder);
    withdrawn.delete(holder);
    if (to !== undefined && deck.has(to) && !ready.includes(to)) ready.unshift(to);
  };
  setHandler(laneFreeSignal, (id) => {
    release(id);
    unpromise(id);
  });
  setHandler(laneWantedSignal, (id) => void wanted.push(id));
  setHandler(laneHandedSignal, (from, to) => {
    promised.delete(from);
    withdrawn.delete(from);
    const had = holding.delete(from);
    deck.delete(to);
    if (ready.includes(to)) ready.splice(ready.indexOf(to), 1); // its holder ended first and the promise went back
    if (!active.has(to)) {
      if (had) free++; // it ended before the lane reached it
      return;
    }
    if (holding.has(to)) {
      if (had) free++; // it had a lane from the batch meanwhile
      return;
    }
    if (had) holding.add(to);
    else take(to);
    hooks.tookLane(to).then(
      (ok) => void (ok || release(to)),
      () => release(to),
    );
  });
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
        unpromise(task.id);
      });
  };
  /** A task holding a lane that no task on deck is promised to yet. */
  const unpromisedHolder = () => [...holding].find((id) => !promised.has(id));
  const promiseReady = () => ready.length > 0 && hooks.deckOpen() && unpromisedHolder() !== undefined;
  const toWithdraw = () => (hooks.deckOpen() ? undefined : [...promised.keys()].find((h) => !withdrawn.has(h)));
  const grantReady = () => free > 0 && ready.length > 0 && hooks.deckOpen();
  const startHolding = () => free > 0 && ready.length === 0 && next < tasks.length;
  const startOnDeck = () => deck.size < deckSize && next < tasks.length;
  const allDone = () => active.size === 0 && next >= tasks.length;
  for (;;) {
    await condition(
      () =>
        !!failure ||
        (free > 0 && wanted.length > 0) ||
        grantReady() ||
        promiseReady() ||
        toWithdraw() !== undefined ||
        startHolding() ||
        startOnDeck() ||
        allDone(),
    );
    if (failure) throw failure.err;
    if (free > 0 && wanted.length) {
      const id = wanted.shift()!;
      if (active.has(id)) give(id, false);
    } else if (grantReady()) {
      const id = ready.shift()!;
      deck.delete(id);
      give(id, true);
    } else if (promiseReady()) {
      const holder = unpromisedHolder()!;
      const to = ready.shift()!;
      promised.set(holder, to);
      // A holder that ended meanwhile cannot hear it: its end (or its laneFree) takes the promise back.
      hooks.tellNext(holder, to).catch(() => undefined);
    } else if (toWithdraw() !== undefined) {
      const holder = toWithdraw()!;
      withdrawn.add(holder);
      hooks.tellNext(holder, null).catch(() => undefined);
    } else if (startHolding()) start(tasks[next++], false);
    else if (startOnDeck()) start(tasks[next++], true);
    else return;
  }
}

/**
 * The task's lane in its batch, when it holds one only while its agent runs: it starts with the lane the batch
 * started it in (or, on deck, waits for a grant), gives it back when its agent is done, and asks for one again
 * before its agent runs again. Giving it back means granting it straight to the task on deck the batch named
 * (laneNext), and telling the batch so; or, when none was named, giving it to the batch. `settled` resolves once
 * those signals have been delivered (the task waits for it before it ends, so the batch hears of the hand-off
 * before the task's end). Otherwise (`handsBack` false) all are no-ops: the task holds its lane until it ends.
 */
export function laneKeeper(taskId: string, handsBack: boolean, onDeck: boolean) {
  let holding = !onDeck;
  // A task on deck is in its batch's queue already: its first lane comes without asking.
  let asked = onDeck;
  let grants = 0;
  let nextInLane: NextInLane | null = null;
  // Whether a laneNext is about a lane this task holds or is being granted (it may arrive before the grant, which
  // comes from another workflow); not after it gave its lane back, until it asks again: the batch takes that promise back.
  let listening = true;
  let given: Promise<void> = Promise.resolve();
  const batch = handsBack ? getExternalWorkflowHandle(workflowInfo().parent!.workflowId) : undefined;
  if (batch) {
    setHandler(laneGrantedSignal, () => void grants++);
    setHandler(laneNextSignal, (next) => void (listening && (nextInLane = next)));
  }
  return {
    give(): void {
      if (!batch || !holding) return;
      holding = false;
      listening = false;
      const to = nextInLane;
      nextInLane = null;
      // Not awaited here: the task's tests start at once. A batch that already ended ignores it; a task on deck
      // that ended meanwhile cannot take it, and the batch frees the lane when it hears of the hand-off.
      given = (
        to
          ? Promise.all([
              getExternalWorkflowHandle(to.workflowId)
                .signal(laneGrantedSignal)
                .catch(() => undefined),
              batch.signal(laneHandedSignal, taskId, to.id),
            ]).then(() => undefined)
          : batch.signal(laneFreeSignal, taskId)
      ).catch(() => undefined);
    },
    async take(): Promise<void> {
      if (!batch || holding) return;
      if (!asked) {
        await given; // the batch sees "free" before "wanted"
        await batch.signal(laneWantedSignal, taskId);
        listening = true;
      }
      asked = false;
      setCurrentDetails(`**${taskId}**: waiting for a free lane to run its agent again`);
      await condition(() => grants > 0);
      grants--;
      holding = true;
    },
    settled: (): Promise<void> => given,
  };
}
