// `npm run bench:culprits [-- --tasks N] [-- --culprits K]`: the culprit search (workflows/batch/find-culprits.ts) over a
// batch of N changes (default 40: CI-sized) of which K (default 2) break a test only the batch's full suite runs,
// on a real Temporal dev server with simulated git and test activities (bench/culprit-sim.ts). Prints what the
// search dropped, its suite runs against the stated bound, and its history: events, bytes, the largest event.
// `--tasks 500` is the planner's largest batch (planner/plan.ts MAX_BATCH_TASKS).
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { freePort, startDevServer } from '../dev/temporal-server';
import { MAX_BATCH_TASKS } from '../planner/plan';
import { measureSearch } from './culprit-sim';

function args(): { tasks: number; culprits: number } {
  const a = process.argv.slice(2);
  const at = (name: string, dflt: number) => (a.includes(name) ? Number(a[a.indexOf(name) + 1]) : dflt);
  const tasks = at('--tasks', 40);
  const culprits = at('--culprits', 2);
  if (!(tasks >= 1) || !(culprits >= 0) || culprits > tasks)
    throw new Error('usage: bench:culprits [-- --tasks N] [-- --culprits K], 0 <= K <= N');
  return { tasks, culprits };
}

async function main(): Promise<void> {
  const { tasks, culprits } = args();
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const server = await startDevServer({ port: await freePort(), headless: true });
  const env = await TestWorkflowEnvironment.createFromExistingServer({ address: server.address });
  try {
    // Culprits spread over the batch, the first a third of the way in.
    const positions = Array.from({ length: culprits }, (_, i) =>
      Math.min(tasks - 1, Math.floor(((i + 1) * tasks) / (culprits + 1))),
    );
    const m = await measureSearch(env, { tasks, culprits: [...new Set(positions)] });
    const L = Math.ceil(Math.log2(Math.max(2, tasks)));
    const bound = 1 + culprits * L + culprits;
    const kb = (b: number) => `${(b / 1024).toFixed(1)} KB`;
    console.log(`culprit search: ${tasks} changes, ${culprits} culprits (planner's largest batch: ${MAX_BATCH_TASKS})`);
    console.log(
      `  dropped: ${m.result.dropped.map((d) => d.taskId).join(', ') || 'none'}; kept ${m.result.kept.length}; final suite ${m.result.suite.passed ? 'green' : 'red'}`,
    );
    console.log(
      `  suite runs: ${m.suiteRuns} (bound 1 + k·⌈log₂ n⌉ + k = ${bound}); with flaky re-runs: ${m.fullVerdicts}; applies (one activity each): ${m.applies}`,
    );
    console.log(
      `  history: ${m.events} events, ${kb(m.historyBytes)}, largest event ${kb(m.largestEventBytes)}; ${(m.ms / 1000).toFixed(1)} s`,
    );
    console.log(
      JSON.stringify({
        tasks,
        culprits,
        dropped: m.result.dropped.length,
        kept: m.result.kept.length,
        green: m.result.suite.passed,
        suiteRuns: m.suiteRuns,
        bound,
        fullVerdicts: m.fullVerdicts,
        applies: m.applies,
        events: m.events,
        historyBytes: m.historyBytes,
        largestEventBytes: m.largestEventBytes,
        ms: m.ms,
      }),
    );
    if (m.events >= 10_000) throw new Error(`the search's history passed 10,000 events (${m.events})`);
  } finally {
    await env.teardown();
    await server.stop();
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
