// The stand-in model in a process of its own, as a real model is: its JSON work and latency timers do not share
// the event loop of the worker that calls it (benchmarks). The parent talks to it over IPC: the child says its
// URL when it listens, and answers 'log' with its request log.
import { fork } from 'node:child_process';
import { type RequestLogEntry, startStandInModel, type StandInOptions } from './stand-in-model';

export interface StandInProcess {
  url: string;
  pid: number;
  /** The child's request log (its last 1,000 Messages requests). */
  log(): Promise<RequestLogEntry[]>;
  close(): Promise<void>;
}

type FromChild = { url: string } | { log: RequestLogEntry[] } | { error: string };

/** Forks this file with the options (JSON-safe ones only: no faults with functions) and waits for its URL. */
export async function startStandInProcess(opts: Omit<StandInOptions, 'recordRequests'> = {}): Promise<StandInProcess> {
  const child = fork(__filename, [JSON.stringify(opts)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const next = () =>
    new Promise<FromChild>((resolve, reject) => {
      const onExit = (code: number | null) =>
        reject(new Error(`the stand-in model process exited (code ${code}) before it answered`));
      child.once('exit', onExit);
      child.once('message', (m) => {
        child.off('exit', onExit);
        resolve(m as FromChild);
      });
    });
  const first = await next();
  if (!('url' in first)) {
    child.kill();
    throw new Error(`the stand-in model process did not start: ${'error' in first ? first.error : 'no URL'}`);
  }
  return {
    url: first.url,
    pid: child.pid!,
    async log() {
      const answer = next();
      child.send('log');
      const m = await answer;
      return 'log' in m ? m.log : [];
    },
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

if (require.main === module && process.send) {
  startStandInModel(JSON.parse(process.argv[2] ?? '{}') as StandInOptions).then(
    (model) => {
      process.on('message', (m) => m === 'log' && process.send!({ log: model.log }));
      process.on('SIGTERM', () => void model.close().finally(() => process.exit(0)));
      // The parent went away: so does the stand-in.
      process.on('disconnect', () => void model.close().finally(() => process.exit(0)));
      process.send!({ url: model.url });
    },
    (err: Error) => process.send!({ error: err.message }),
  );
}
