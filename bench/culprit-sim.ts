// The culprit search (workflows/batch/find-culprits.ts) on a real Temporal server with simulated activities: a batch of
// `tasks` changes of which some break the suite, alone or only together, some need an earlier change to apply, and
// the start tip may be red. Measures the search's history (events, bytes, the largest event) and its suite runs.
// Used by the fast tests (test/integration/culprit-search.test.ts) and by `npm run bench:culprits`.
import { temporal } from '@temporalio/proto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import type { ProbeChange, ProbeResult } from '../activities/git/integrate';
import type { TestEvidence } from '../core/types';
import { testQueue } from '../core/task-queues';
import type { CulpritSearch, CulpritSearchInput } from '../workflows/batch/find-culprits';

export interface SearchScenario {
  tasks: number;
  /** Positions (0-based, in the order the changes reached the branch) of changes that break a test alone. */
  culprits: number[];
  /** Pairs of positions that break a test only together (the later one is the culprit). */
  pairs?: Array<[number, number]>;
  /** position → position it needs to apply (its change builds on that one's). */
  needs?: Record<number, number>;
  /** The suite is red at the start tip already (an environment-dependent test). */
  redStart?: boolean;
}

export interface SearchMeasure {
  result: CulpritSearch;
  events: number;
  historyBytes: number;
  largestEventBytes: number;
  suiteRuns: number;
  /** Suite runs that asked for flaky re-runs (the start, the full verdicts). */
  fullVerdicts: number;
  applies: number;
  ms: number;
}

const id = (i: number) => `TASK-${String(i + 1).padStart(4, '0')}`;
const evidence = (failing: string[], label: string): TestEvidence => ({
  command: 'npm test',
  passed: failing.length === 0,
  exitCode: failing.length ? 1 : 0,
  failingTests: failing,
  tail: '',
  logPath: `/runs/sim/logs/${label}.log`,
  durationMs: 1,
  verdict: failing.length ? `the change broke ${failing.join('; ')}` : 'no test that was green at the base is red',
});

/** The simulated activities of one search: the branch is the set of changes last applied. */
export function simulatedActivities(s: SearchScenario) {
  let list: ProbeChange[] = [];
  let branch = new Set<number>();
  let tips = 0;
  const counts = { suiteRuns: 0, fullVerdicts: 0, applies: 0 };
  const failingOn = (applied: Set<number>): string[] => {
    if (s.redStart) return ['test/env.test.js::needs the network'];
    const failing = s.culprits.filter((c) => applied.has(c)).map((c) => `test/t${c}.test.js::broken by ${id(c)}`);
    for (const [a, b] of s.pairs ?? [])
      if (applied.has(a) && applied.has(b)) failing.push(`test/pair.test.js::${id(a)} with ${id(b)}`);
    return failing;
  };
  const main = {
    async saveProbeList(a: { changes: ProbeChange[] }): Promise<string> {
      list = a.changes;
      return '/runs/sim/logs/culprits.json';
    },
    async applyProbe(a: { upTo: number; excluding: string[]; withCommits?: boolean }): Promise<ProbeResult> {
      counts.applies++;
      const out = new Set(a.excluding);
      const applied = new Set<number>();
      const notApplied: ProbeResult['notApplied'] = [];
      const commits: ProbeChange[] = [];
      for (let i = 0; i < Math.min(a.upTo, list.length); i++) {
        if (out.has(list[i].taskId)) continue;
        const need = s.needs?.[i];
        if (need !== undefined && !applied.has(need)) {
          notApplied.push({
            taskId: list[i].taskId,
            reason: `its change conflicts with the run branch in src/f${need}.js`,
          });
          continue;
        }
        applied.add(i);
        commits.push({ taskId: list[i].taskId, commit: `${String(++tips).padStart(8, '0')}${'c'.repeat(32)}` });
      }
      branch = applied;
      return {
        tip: commits.length ? commits[commits.length - 1].commit : 'start'.padEnd(40, '0'),
        notApplied,
        ...(a.withCommits ? { commits } : {}),
      };
    },
  };
  const tests = {
    async runBranchTests(a: { label: string; flakyReruns?: number }): Promise<TestEvidence> {
      counts.suiteRuns++;
      if (a.flakyReruns !== 0) counts.fullVerdicts++;
      return evidence(failingOn(branch), a.label);
    },
  };
  return { main, tests, counts, failingOn, changes: () => list };
}

let bundle: Promise<WorkflowBundleWithSourceMap> | undefined;
/** The search's workflow code, bundled once per process. */
export function searchBundle(): Promise<WorkflowBundleWithSourceMap> {
  bundle ??= bundleWorkflowCode({
    workflowsPath: require.resolve('../workflows/batch/find-culprits'),
    logger: { info() {}, warn() {}, error() {}, debug() {}, trace() {}, log() {} } as never,
  });
  return bundle;
}

/** Runs one search on `env` with simulated activities and measures it. */
export async function measureSearch(env: TestWorkflowEnvironment, s: SearchScenario): Promise<SearchMeasure> {
  const sim = simulatedActivities(s);
  const taskQueue = `culprits-${Math.random().toString(36).slice(2, 8)}`;
  const workflowBundle = await searchBundle();
  const mainWorker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle,
    activities: sim.main,
  });
  const testsWorker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue: testQueue(taskQueue),
    activities: sim.tests,
  });
  const changes = Array.from({ length: s.tasks }, (_, i) => ({
    taskId: id(i),
    commit: `${String(i).padStart(8, '0')}${'a'.repeat(32)}`,
  }));
  const input: CulpritSearchInput = {
    ctx: {
      runId: 'sim',
      repoPath: '/sim',
      rootWorkflowId: 'flotilla-sim',
      testCommand: 'npm test',
      baseline: { failing: [], flaky: [] },
      settings: { model: 'claude-haiku-4-5', maxParallel: 8, attempts: 2, maxTurns: 10 },
    },
    batchId: '1A',
    startTip: 'start'.padEnd(40, '0'),
    changes,
    failed: evidence(sim.failingOn(new Set(changes.map((_, i) => i))), 'batch-1A'),
  };
  const started = Date.now();
  const workflowId = `${taskQueue}-search`;
  // Each worker stops (and is awaited) once the search has ended.
  const result = await mainWorker.runUntil(
    testsWorker.runUntil(
      env.client.workflow.execute('culpritSearchWorkflow', { taskQueue, workflowId, args: [input] }),
    ),
  );
  const ms = Date.now() - started;
  const history = await env.client.workflow.getHandle(workflowId).fetchHistory();
  const events = history.events ?? [];
  const sizes = events.map(
    (e) =>
      temporal.api.history.v1.HistoryEvent.encode(temporal.api.history.v1.HistoryEvent.fromObject(e)).finish().length,
  );
  return {
    result: result as CulpritSearch,
    events: events.length,
    historyBytes: sizes.reduce((a, b) => a + b, 0),
    largestEventBytes: Math.max(...sizes),
    suiteRuns: sim.counts.suiteRuns,
    fullVerdicts: sim.counts.fullVerdicts,
    applies: sim.counts.applies,
    ms,
  };
}
