// `npm run bench:run [-- N [SEGMENT]]`: Flotilla's real workflows on a real Temporal dev server, executing a wide
// backlog of N independent tasks (default 1,000) with instant activities (no git, no model, no tests), so what is
// measured is the workflows' own footprint: the history of the run workflow's executions, the phases and
// batches, against Temporal's limits. Runs the backlog twice: as one segment (no continue-as-new) and cut
// into segments of SEGMENT tasks (default: half of N, at most 1,000); then N/10 high-risk tasks, each its own
// sequential batch (the most signals per task), in segments of N/20. Prints numbers and ratios; asserts nothing.
// Per configuration: tasks per minute and orchestration ms per task (every activity is instant, so the whole
// wall time is orchestration), the largest history of any workflow of the run, the load average and the CPU
// seconds of the worker process and of the dev server.
// Flags: `--only one,segments,high` runs only those configurations; `--profile` reads every history of each run
// afterwards and prints, per kind of workflow, events, workflow tasks and their latencies (bench/history-profile.ts);
// `--server HOST:PORT` uses a Temporal server already running (its histories stay for a look afterwards);
// `--worker-options JSON` adds options to the workflow worker's (for trying worker tuning).
// `--culprits K`: K tasks (spread over the backlog) break a test only the batch's full suite runs, so each batch
// with one runs the culprit search (workflows/batch/find-culprits.ts) on a branch the stand-ins keep track of.
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker, type WorkerOptions } from '@temporalio/worker';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { AgentActivities, MainActivities, TestActivities } from '../activities';
import { instantMainActivities } from './instant-main';
import { runDir } from '../activities/run-paths';
import { allRunRecords, saveTaskStates } from '../activities/records/task-records';
import type { RunReport, RunSettings, TestEvidence } from '../core/types';
import { freePort, startDevServer } from '../dev/temporal-server';
import type { Task } from '../planner';
import { SEGMENT_TASKS } from '../planner/segments';
import { flotillaRun } from '../workflows';
import { agentQueue, testQueue } from '../core/task-queues';
import { cpuSeconds } from './cpu';
import { profileLines, profileRun } from './history-profile';

/**
 * n tasks of one risk, one file each. Low risk is the widest backlog: batches as full as the planner
 * allows (500 tasks), all in parallel, the heaviest load on a batch's history. High risk is the narrowest:
 * every task its own sequential batch, the most signals to the run workflow per task.
 */
function backlog(n: number, risk: Task['risk']): Task[] {
  const kinds = ['docs', 'types', 'lint', 'naming'];
  return Array.from({ length: n }, (_, i) => {
    const id = `TASK-${String(i + 1).padStart(5, '0')}`;
    const file = `src/m${i % 20}/f${i}.ts`;
    return {
      id,
      title: `Tidy ${file}`,
      category: kinds[i % kinds.length],
      risk,
      files: [file],
      dependsOn: [],
      description: '',
      changes: [],
      sourcePath: `tasks/${id}.md`,
    };
  });
}

/** The backlog each bench run plans, by run id. */
const backlogs = new Map<string, Task[]>();

const HISTORY_EVENTS_LIMIT = 51_200;
const HISTORY_BYTES_LIMIT = 50 * 1024 * 1024;
const PAYLOAD_BYTES_LIMIT = 2 * 1024 * 1024;
const SIGNALS_LIMIT = 10_000;

const passed = (command: string): TestEvidence => ({
  command,
  passed: true,
  exitCode: 0,
  failingTests: [],
  tail: '',
  logPath: '/dev/null',
  durationMs: 1,
});
const usage = { inputTokens: 1200, outputTokens: 300, cacheWriteTokens: 0, cacheReadTokens: 0, costUsd: 0.0027 };

/**
 * Instant stand-ins for the activities that touch git, the model and the test runner; plan.json and task states are
 * real. The run branch is tracked as the task ids on it (per tip), so a suite is red while a culprit is on it.
 */
function instantActivities(culprits: Set<string> = new Set()): {
  main: Partial<MainActivities>;
  agents: AgentActivities;
  tests: Partial<TestActivities>;
} {
  let sha = 0;
  let branch: string[] = [];
  const onTip = new Map<string, string[]>();
  let probeList: Array<{ taskId: string; commit: string }> = [];
  const nextSha = () => (++sha).toString(16).padStart(40, '0');
  const land = (taskId: string) => {
    branch = [...branch, taskId];
    const tip = nextSha();
    if (culprits.size) onTip.set(tip, branch);
    return tip;
  };
  const main: Partial<MainActivities> = {
    ...instantMainActivities(backlogs, nextSha, 'bench'),
    saveTaskStates,
    // The branch is tracked (per tip) for the culprit search: integration lands task ids on it, probes rebuild it.
    async integrateCommits(a) {
      return a.commits.map((c) => {
        const tip = land(c.taskId);
        return { ok: true as const, commit: tip, tip };
      });
    },
    async integrateCommit(a) {
      const tip = land(a.taskId);
      return { ok: true as const, commit: tip, tip };
    },
    async saveProbeList(a) {
      probeList = a.changes;
      return '/dev/null';
    },
    async applyProbe(a) {
      branch = onTip.get(a.sha) ?? [];
      const commits = probeList
        .slice(0, a.upTo)
        .filter((c) => !a.excluding.includes(c.taskId))
        .map((c) => ({ taskId: c.taskId, commit: land(c.taskId) }));
      return {
        tip: commits.length ? commits[commits.length - 1].commit : a.sha,
        notApplied: [],
        ...(a.withCommits ? { commits } : {}),
      };
    },
    async runReviewCategories() {
      return ['refactor'];
    },
    async finishRun(a) {
      const all = await allRunRecords(a.repoPath, a.runId, a.report);
      fs.writeFileSync(path.join(runDir(a.repoPath, a.runId), 'report.json'), JSON.stringify({ ...a.report, ...all }));
      return { reportPath: path.join(runDir(a.repoPath, a.runId), 'report.json') };
    },
  };
  const agents: AgentActivities = {
    // Durable turns: three per task.
    async startAgent(a) {
      return {
        rateLimited: false,
        transcriptPath: '/dev/null',
        turn: {
          turn: 1,
          outcome: 'continue',
          tools: [`str_replace src/${a.taskId}.ts`],
          edited: [`src/${a.taskId}.ts`],
          usage,
        },
      };
    },
    async agentTurn(a) {
      const final = a.turn >= 3 ? { final: { ok: true, summary: `Did ${a.taskId}.` } } : {};
      return {
        turn: a.turn,
        outcome: a.turn >= 3 ? 'ok' : 'continue',
        tools: [],
        edited: [`src/${a.taskId}.ts`],
        usage,
        ...final,
      };
    },
    async modelPermit() {},
    async reviewTask(a) {
      return { verdict: 'approve', summary: 'approved', comments: [], by: 'model', usage, model: a.model };
    },
    async reviewRun(a) {
      return { model: a.model, notes: [], usage };
    },
    async reviewRunCategory(a) {
      return {
        note: { category: a.category, tasks: [], verdict: 'approve', summary: 'consistent', comments: [] },
        usage,
      };
    },
  };
  const tests: Partial<TestActivities> = {
    async baselineTests(a) {
      return { evidence: passed(a.testCommand), baseline: { failing: [], flaky: [] } };
    },
    async runTaskTests(a) {
      return passed(a.command);
    },
    async runBranchTests(a) {
      const broken = branch.filter((id) => culprits.has(id)).map((id) => `test/suite-only.test.js::broken by ${id}`);
      return broken.length
        ? { ...passed(a.command), passed: false, exitCode: 1, failingTests: broken }
        : passed(a.command);
    },
  };
  return { main, agents, tests };
}

interface Footprint {
  workflows: number;
  rootExecutions: number;
  root: { events: number; bytes: number; signals: number };
  child: { events: number; bytes: number; id: string };
}

async function footprint(client: Client, runId: string): Promise<Footprint> {
  const root = `flotilla-${runId}`;
  const out: Footprint = {
    workflows: 0,
    rootExecutions: 0,
    root: { events: 0, bytes: 0, signals: 0 },
    child: { events: 0, bytes: 0, id: '' },
  };
  for await (const w of client.workflow.list({ query: `WorkflowId STARTS_WITH '${root}'` })) {
    out.workflows++;
    const events = w.historyLength ?? 0;
    const bytes = w.historySize ?? 0;
    if (w.workflowId === root) {
      out.rootExecutions++;
      const history = await client.workflow.getHandle(w.workflowId, w.runId).fetchHistory();
      const signals = (history.events ?? []).filter((e) => e.workflowExecutionSignaledEventAttributes).length;
      out.root = {
        events: Math.max(out.root.events, events),
        bytes: Math.max(out.root.bytes, bytes),
        signals: Math.max(out.root.signals, signals),
      };
    } else if (events > out.child.events) out.child = { events, bytes, id: w.workflowId.slice(root.length + 1) };
  }
  return out;
}

interface Options {
  profile: boolean;
  serverPid?: number;
}

async function runOnce(
  client: Client,
  taskQueue: string,
  n: number,
  risk: Task['risk'],
  segmentTasks: number,
  options: Options,
): Promise<void> {
  const repoPath = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-bench-'));
  const runId = `bench-${n}-${risk}-${segmentTasks}-${Date.now()}`;
  backlogs.set(runId, backlog(n, risk));
  const settings: RunSettings = {
    runId,
    repoPath,
    model: 'claude-haiku-4-5',
    maxParallel: 50,
    attempts: 1,
    maxTurns: 10,
    sequentialRisk: 'high',
    segmentTasks,
  };
  const load = os.loadavg()[0];
  const cpuBefore = { worker: process.cpuUsage(), server: cpuSeconds(options.serverPid) };
  const started = Date.now();
  const handle = await client.workflow.start(flotillaRun, {
    taskQueue,
    workflowId: `flotilla-${runId}`,
    args: [settings],
  });
  const result: RunReport = await handle.result();
  const seconds = (Date.now() - started) / 1000;
  const workerCpu = process.cpuUsage(cpuBefore.worker);
  const cpu = {
    worker: (workerCpu.user + workerCpu.system) / 1e6,
    server: cpuSeconds(options.serverPid) - cpuBefore.server,
  };
  const onDisk = JSON.parse(fs.readFileSync(path.join(runDir(repoPath, runId), 'report.json'), 'utf8')) as RunReport;
  const resultBytes = Buffer.byteLength(JSON.stringify(result));
  await new Promise((r) => setTimeout(r, 2000)); // visibility catches up
  const f = await footprint(client, runId);
  const pct = (x: number, limit: number) => `${((100 * x) / limit).toFixed(1)}%`;
  const largest = Math.max(f.root.events, f.child.events);
  console.log(
    [
      `${n} ${risk}-risk tasks (${risk === 'high' ? 'one sequential batch each' : 'parallel batches of up to 500'}), segments of ${segmentTasks}: ${result.status} in ${seconds.toFixed(1)} s, ${onDisk.tasks.filter((t) => t.status === 'committed').length} committed (report.json)${
        onDisk.tasks.some((t) => t.reason?.startsWith('rolled back'))
          ? `, rolled back: ${onDisk.tasks
              .filter((t) => t.reason?.startsWith('rolled back'))
              .map((t) => t.id)
              .join(', ')}`
          : ''
      }, ${f.workflows} workflow executions`,
      `  throughput: ${((60 * n) / seconds).toFixed(0)} tasks/min, ${((1000 * seconds) / n).toFixed(0)} ms of orchestration per task; largest history ${largest} events (${f.root.events >= f.child.events ? 'the run' : f.child.id}); load average ${load.toFixed(2)} at the start, ${os.loadavg()[0].toFixed(2)} at the end, ${os.cpus().length} cores; CPU: worker ${cpu.worker.toFixed(0)} s, dev server ${cpu.server.toFixed(0)} s`,
      `  run workflow: ${f.rootExecutions} execution(s); the largest has ${f.root.events} events (${pct(f.root.events, HISTORY_EVENTS_LIMIT)} of the limit), ${(f.root.bytes / 1024).toFixed(0)} KiB (${pct(f.root.bytes, HISTORY_BYTES_LIMIT)}) and ${f.root.signals} signals (${pct(f.root.signals, SIGNALS_LIMIT)})`,
      `  largest child: ${f.child.id}, ${f.child.events} events (${pct(f.child.events, HISTORY_EVENTS_LIMIT)}), ${(f.child.bytes / 1024).toFixed(0)} KiB (${pct(f.child.bytes, HISTORY_BYTES_LIMIT)})`,
      `  the run's result: ${(resultBytes / 1024).toFixed(0)} KiB (${pct(resultBytes, PAYLOAD_BYTES_LIMIT)} of the payload limit), ${result.tasks.length} tasks held, ${result.tasksElsewhere ?? 0} in report.json only`,
    ].join('\n'),
  );
  if (options.profile) console.log(profileLines(await profileRun(client, `flotilla-${runId}`), n).join('\n'));
}

async function main(): Promise<void> {
  const flags = process.argv.slice(2).filter((a) => a.startsWith('--'));
  const valued = ['--only', '--server', '--worker-options', '--culprits'];
  const positional = process.argv.slice(2).filter((a, i, all) => !a.startsWith('--') && !valued.includes(all[i - 1]));
  const serverAt = process.argv.indexOf('--server');
  const tuningAt = process.argv.indexOf('--worker-options');
  const tuning = tuningAt > 0 ? (JSON.parse(process.argv[tuningAt + 1]) as Partial<WorkerOptions>) : {};
  const onlyAt = process.argv.indexOf('--only');
  const only = new Set(onlyAt > 0 ? process.argv[onlyAt + 1].split(',') : ['one', 'segments', 'high']);
  const n = Number(positional[0] || 1000);
  const segmentTasks = Number(positional[1] || Math.min(SEGMENT_TASKS, Math.ceil(n / 2)));
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const server =
    serverAt > 0
      ? { address: process.argv[serverAt + 1], process: null, stop: async () => undefined }
      : await startDevServer({ port: await freePort(), headless: true });
  const connection = await Connection.connect({ address: server.address });
  const client = new Client({ connection });
  const taskQueue = `bench-${Date.now()}`;
  const culpritsAt = process.argv.indexOf('--culprits');
  const k = culpritsAt > 0 ? Number(process.argv[culpritsAt + 1]) : 0;
  const culprits = new Set(
    Array.from({ length: k }, (_, i) => `TASK-${String(Math.floor(((i + 1) * n) / (k + 1))).padStart(5, '0')}`),
  );
  const activities = instantActivities(culprits);
  const native = await NativeConnection.connect({ address: server.address });
  const common = { connection: native, maxConcurrentActivityTaskExecutions: 64 };
  const workers = [
    await Worker.create({
      ...common,
      taskQueue,
      activities: activities.main,
      workflowsPath: require.resolve('../workflows'),
      maxCachedWorkflows: 2000,
      ...tuning,
    }),
    await Worker.create({ ...common, taskQueue: agentQueue(taskQueue), activities: activities.agents }),
    await Worker.create({ ...common, taskQueue: testQueue(taskQueue), activities: activities.tests }),
  ];
  const running = Promise.all(workers.map((w) => w.run()));
  // Stopped from outside: the dev server goes too (else it outlives the bench, busy with the runs left behind).
  for (const sig of ['SIGINT', 'SIGTERM'] as const)
    process.once(sig, () => void server.stop().finally(() => process.exit(1)));
  try {
    console.log(
      `Temporal's limits: ${HISTORY_EVENTS_LIMIT} events, ${HISTORY_BYTES_LIMIT / 1024 / 1024} MiB and ${SIGNALS_LIMIT} signals per workflow execution, ${PAYLOAD_BYTES_LIMIT / 1024 / 1024} MiB per payload.`,
    );
    const options: Options = { profile: flags.includes('--profile'), serverPid: server.process?.pid };
    if (only.has('one')) await runOnce(client, taskQueue, n, 'low', n, options);
    if (only.has('segments')) await runOnce(client, taskQueue, n, 'low', segmentTasks, options);
    if (only.has('high')) await runOnce(client, taskQueue, Math.ceil(n / 10), 'high', Math.ceil(n / 20), options);
  } finally {
    for (const w of workers) w.shutdown();
    await running;
    await connection.close();
    await native.close();
    await server.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
