// A batch's progress reports to its run, coalesced into taskUpdates signals.
import type { TaskUpdate } from '../run-messages';

/** Updates one signal carries at most (a few hundred bytes each). */
const UPDATES_PER_SIGNAL = 200;

/**
 * A batch's reports to its run, coalesced: one signal on its way at a time, carrying every update made while
 * the previous one travelled, in order. Alone, an update leaves at once; under load, one signal carries many
 * tasks' updates (fewer events in both histories, fewer workflow tasks of the run). `send` resolves once its
 * update reached the run; `flush` once every update did, and rejects with the first signal that failed.
 */
export function progressReporter(signal: (updates: TaskUpdate[]) => Promise<void>) {
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
