// `npm run bench:makespan [-- --tasks N] [-- --review off|gate|both] [-- --in-process] [-- --timeline]`: the makespan of
// one wide backlog, three ways, in one invocation:
//   (a) a plain sequential loop: for each task, the model calls (the real SDK against the stand-in), the edit,
//       the task's test, the archive move and a commit, with the full suite before and after;
//   (b) Flotilla on the user's path (the headline): `flotilla dev` and `flotilla run --max-parallel 8 --wait` as
//       processes of their own, as the README shows them, review off and the default (gate); with --in-process, the
//       older setup: a dev server and worker in this process (--review off unless asked);
//   (c) the lower bound: baseline suite + ceil(N/8) waves x (2 model calls + the task's test) + one layer validation,
//       + one review call for the last wave when the review is on.
// The case: N independent one-file tasks (default 40), each 2 model calls of 1 s (the stand-in, latencyMs 1000, in a
// process of its own), a ~0.2 s test of its own (`node --test checks/fI.test.js`) and a ~4.3 s full suite
// (`node --test test/`: one file that sleeps 4 s, then checks every module). Prints the ratios, where Flotilla's
// time went (the stand-in's request log, the run's files, the workflows' histories), the lanes' hand-offs per wave,
// and the CPU, git commands and history events per task.
import Anthropic from '@anthropic-ai/sdk';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { execSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runAgentLoop } from '../activities/agent/agent-loop';
import { systemPrompt, taskPrompt } from '../activities/agent/agent-prompt';
import { WorktreeEditor } from '../activities/agent/editor-tool';
import { runDir } from '../activities/run-paths';
import { startRun } from '../client/start-run';
import type { RunReport, RunSettings } from '../core/types';
import { type RequestLogEntry, startStandInModel } from '../dev/stand-in-model';
import { startStandInProcess } from '../dev/stand-in-process';
import { freePort, startDevServer } from '../dev/temporal-server';
import { createFlotillaWorkers } from '../worker/worker';
import { launcherPid } from '../activities/process-launcher';
import { cpuSeconds } from './cpu';
import { handoffLines, laneHandoffs } from './lane-timeline';
import { type DevProcess, runWait, startDev } from './user-path';
import { commitAll, git } from './git-repo';

const LATENCY_MS = 1000;
const MODEL_CALLS = 2;
const SUITE_SLEEP_MS = 4000;
const MAX_PARALLEL = 8;
const SUITE = 'node --test test/';
const taskId = (i: number) => `TASK-${String(i + 1).padStart(4, '0')}`;

type Review = 'off' | 'gate' | 'default';

function args(): {
  tasks: number;
  reviews: Review[];
  skipLoop: boolean;
  timeline: boolean;
  modelInProcess: boolean;
  inProcess: boolean;
} {
  const a = process.argv.slice(2);
  const at = (name: string) => (a.includes(name) ? a[a.indexOf(name) + 1] : undefined);
  const inProcess = a.includes('--in-process');
  // The user's path runs review off and the default (gate) by default; the in-process mode review off unless asked.
  const review = at('--review') ?? (inProcess ? 'off' : 'both');
  const reviews: Review[] =
    review === 'both'
      ? ['off', inProcess ? 'gate' : 'default']
      : [review === 'gate' && !inProcess ? 'default' : (review as Review)];
  return {
    tasks: Number(at('--tasks') ?? 40),
    reviews,
    skipLoop: a.includes('--no-loop'),
    timeline: a.includes('--timeline'),
    modelInProcess: a.includes('--model-in-process'),
    inProcess,
  };
}

/** The stand-in model as the bench uses it: its URL and its request log. */
interface Model {
  url: string;
  /** Its process when it has one of its own (for its CPU time). */
  pid?: number;
  log(): Promise<RequestLogEntry[]>;
  close(): Promise<void>;
}

/**
 * The stand-in in a process of its own, as a real model is remote (by default); `--model-in-process` runs it in
 * the bench's process, beside the worker (as `flotilla dev` does), where its work shares the worker's event loop.
 */
async function startModel(inProcess: boolean): Promise<Model> {
  if (!inProcess) return startStandInProcess({ latencyMs: LATENCY_MS });
  const m = await startStandInModel({ latencyMs: LATENCY_MS });
  return { url: m.url, log: async () => [...m.log], close: m.close };
}

/** The case's repository: src/fI.js, its check checks/fI.test.js, the 4 s suite test/suite.test.js and N task files. */
function buildRepo(n: number): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-makespan-'));
  const w = (rel: string, text: string) => {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), text);
  };
  w('package.json', JSON.stringify({ name: 'makespan', private: true, scripts: { test: SUITE } }, null, 2) + '\n');
  w('.gitignore', 'node_modules\n');
  for (let i = 0; i < n; i++) {
    w(`src/f${i}.js`, `// module ${i}\nfunction value() {\n  return ${i};\n}\nmodule.exports = { value };\n`);
    w(
      `checks/f${i}.test.js`,
      `const test = require('node:test');\nconst assert = require('node:assert');\nconst { value } = require('../src/f${i}.js');\ntest('f${i} value', () => assert.strictEqual(value(), ${i}));\n`,
    );
    const id = taskId(i);
    w(
      `tasks/${id}.md`,
      [
        '---',
        `id: ${id}`,
        `title: Document value() in src/f${i}.js`,
        'category: docs',
        'risk: low',
        'files:',
        `  - src/f${i}.js`,
        `tests: node --test checks/f${i}.test.js`,
        '---',
        '## Description',
        `Replace the bare comment of src/f${i}.js with a doc comment.`,
        '',
        '## Change',
        '```js',
        `src/f${i}.js`,
        '<<<<<<< SEARCH',
        `// module ${i}`,
        '=======',
        `/** Module ${i}: returns its number. */`,
        '>>>>>>> REPLACE',
        '```',
        '',
      ].join('\n'),
    );
  }
  w(
    'test/suite.test.js',
    [
      "const test = require('node:test');",
      "const assert = require('node:assert');",
      `test('the whole library', async () => {`,
      `  await new Promise((r) => setTimeout(r, ${SUITE_SLEEP_MS}));`,
      `  for (let i = 0; i < ${n}; i++) assert.strictEqual(require(\`../src/f\${i}.js\`).value(), i);`,
      '});',
      '',
    ].join('\n'),
  );
  commitAll(dir, 'Bench', 'The makespan case');
  return dir;
}

const timed = <T>(f: () => T): [T, number] => {
  const t = Date.now();
  const r = f();
  return [r, Date.now() - t];
};
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

interface LoopResult {
  totalMs: number;
  suiteMs: number[];
  taskTestMs: number[];
  modelMs: number[];
  commitMs: number[];
}

/** (a) The plain loop, in a clone of the case: no worktrees, no Temporal, one task after another. */
async function plainLoop(source: string, n: number, model: Model): Promise<LoopResult> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-makespan-loop-'));
  git(os.tmpdir(), 'clone', '-q', source, dir);
  git(dir, 'config', 'user.email', 'bench@localhost');
  git(dir, 'config', 'user.name', 'Bench');
  const client = new Anthropic({ apiKey: 'stand-in', baseURL: model.url, maxRetries: 0 });
  const out: LoopResult = { totalMs: 0, suiteMs: [], taskTestMs: [], modelMs: [], commitMs: [] };
  const started = Date.now();
  out.suiteMs.push(timed(() => execSync(SUITE, { cwd: dir, stdio: 'pipe' }))[1]);
  for (let i = 0; i < n; i++) {
    const id = taskId(i);
    const taskFile = fs.readFileSync(path.join(dir, 'tasks', `${id}.md`), 'utf8');
    const t0 = Date.now();
    const editor = new WorktreeEditor(dir);
    await runAgentLoop({
      client,
      model: 'claude-haiku-4-5',
      system: systemPrompt(`node --test checks/f${i}.test.js`),
      prompt: taskPrompt(id, taskFile),
      editor,
      maxTurns: 10,
      maxTokens: 8192,
    });
    out.modelMs.push(Date.now() - t0);
    out.taskTestMs.push(timed(() => execSync(`node --test checks/f${i}.test.js`, { cwd: dir, stdio: 'pipe' }))[1]);
    out.commitMs.push(
      timed(() => {
        fs.mkdirSync(path.join(dir, 'tasks', 'archive'), { recursive: true });
        git(dir, 'mv', `tasks/${id}.md`, `tasks/archive/${id}.md`);
        git(dir, 'add', '-A', '--', `src/f${i}.js`);
        git(dir, 'commit', '-q', '-m', `Complete ${id}`);
      })[1],
    );
  }
  out.suiteMs.push(timed(() => execSync(SUITE, { cwd: dir, stdio: 'pipe' }))[1]);
  out.totalMs = Date.now() - started;
  fs.rmSync(dir, { recursive: true, force: true });
  return out;
}

type Event = {
  eventType?: unknown;
  eventTime?: { seconds?: unknown; nanos?: unknown } | null;
  eventId?: unknown;
  [k: string]: unknown;
};
const ms = (e: Event) => Number(e.eventTime?.seconds ?? 0) * 1000 + Math.floor(Number(e.eventTime?.nanos ?? 0) / 1e6);

interface ActivitySpan {
  workflowId: string;
  type: string;
  scheduled: number;
  started: number;
  closed: number;
}

/** Every activity of the run's workflows, with its scheduled, started and closed times, and the workflows' task latencies. */
async function runActivities(
  client: Client,
  runId: string,
): Promise<{
  spans: ActivitySpan[];
  workflowTaskWaitMs: number;
  workflowTasks: number;
  workflows: number;
  events: number;
}> {
  const root = `flotilla-${runId}`;
  const spans: ActivitySpan[] = [];
  let workflowTaskWaitMs = 0;
  let workflowTasks = 0;
  let workflows = 0;
  let events = 0;
  for await (const w of client.workflow.list({ query: `WorkflowId STARTS_WITH '${root}'` })) {
    workflows++;
    const history = await client.workflow.getHandle(w.workflowId, w.runId).fetchHistory();
    const byId = new Map<string, ActivitySpan>();
    let wtScheduled = 0;
    let grantSpan: ActivitySpan | undefined;
    for (const e of (history.events ?? []) as Event[]) {
      events++;
      const sched = e.activityTaskScheduledEventAttributes as { activityType?: { name?: string } } | undefined;
      if (sched)
        byId.set(String(e.eventId), {
          workflowId: w.workflowId,
          type: sched.activityType?.name ?? '?',
          scheduled: ms(e),
          started: 0,
          closed: 0,
        });
      const started = e.activityTaskStartedEventAttributes as { scheduledEventId?: unknown } | undefined;
      if (started) byId.get(String(started.scheduledEventId))!.started = ms(e);
      for (const k of [
        'activityTaskCompletedEventAttributes',
        'activityTaskFailedEventAttributes',
        'activityTaskTimedOutEventAttributes',
        'activityTaskCanceledEventAttributes',
      ]) {
        const closed = e[k] as { scheduledEventId?: unknown } | undefined;
        if (closed) byId.get(String(closed.scheduledEventId))!.closed = ms(e);
      }
      // For --timeline: when the batch heard a task give its lane back.
      const signaled = e.workflowExecutionSignaledEventAttributes as
        { signalName?: string; input?: { payloads?: Array<{ data?: Uint8Array }> } } | undefined;
      // Who granted a task on deck its lane: the task before it in the lane (direct) or the batch.
      if (signaled?.signalName === 'laneGranted') {
        const from =
          (e.workflowExecutionSignaledEventAttributes as { externalWorkflowExecution?: { workflowId?: string } })
            .externalWorkflowExecution?.workflowId ?? '';
        // started/closed: the first workflow task after it, started and completed (it schedules the agent).
        grantSpan = {
          workflowId: w.workflowId,
          type: /\/TASK-[^/]+$/.test(from) ? 'laneGranted@task' : 'laneGranted@batch',
          scheduled: ms(e),
          started: 0,
          closed: 0,
        };
        spans.push(grantSpan);
      }
      if (grantSpan && !grantSpan.started && e.workflowTaskStartedEventAttributes) grantSpan.started = ms(e);
      if (grantSpan && grantSpan.started && !grantSpan.closed && e.workflowTaskCompletedEventAttributes)
        grantSpan.closed = ms(e);
      if (signaled?.signalName === 'laneFree') {
        const data = signaled.input?.payloads?.[0]?.data;
        const taskId = data ? (JSON.parse(Buffer.from(data).toString('utf8')) as string) : '?';
        spans.push({
          workflowId: `${w.workflowId.split('/')[0]}/${taskId}`,
          type: 'laneFree@batch',
          scheduled: ms(e),
          started: ms(e),
          closed: ms(e),
        });
      }
      if (e.workflowTaskScheduledEventAttributes) wtScheduled = ms(e);
      if (e.workflowTaskStartedEventAttributes && wtScheduled) {
        workflowTaskWaitMs += ms(e) - wtScheduled;
        workflowTasks++;
        wtScheduled = 0;
      }
    }
    spans.push(...byId.values());
    const all = (history.events ?? []) as Event[];
    if (/\/TASK-/.test(w.workflowId) && all.length)
      spans.push({
        workflowId: w.workflowId,
        type: 'workflow',
        scheduled: ms(all[0]),
        started: ms(all[0]),
        closed: ms(all[all.length - 1]),
      });
  }
  return { spans, workflowTaskWaitMs, workflowTasks, workflows, events };
}

interface FlotillaResult {
  totalMs: number;
  spans: ActivitySpan[];
  requests: RequestLogEntry[];
  report: RunReport;
  breakdown: string[];
  /** CPU seconds during the run, by process. */
  cpu: string;
  /** CPU seconds, git commands (where counted) and history events per task. */
  perTask: string;
}

/** (b) Flotilla: a dev server, a worker with --max-parallel 8, the run started as `flotilla run` does. */
async function flotilla(
  repo: string,
  n: number,
  review: Review,
  model: Model,
  client: Client,
  native: NativeConnection,
  serverPid: number | undefined,
): Promise<FlotillaResult> {
  const taskQueue = `makespan-${Date.now()}`;
  const worktreeRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-makespan-wt-'));
  const workers = await createFlotillaWorkers({
    connection: native,
    namespace: 'default',
    taskQueue,
    modelAccess: { apiKey: 'stand-in', baseURL: model.url },
    worktreeRoot,
    maxParallel: MAX_PARALLEL,
  });
  const running = workers.run();
  const firstRequest = (await model.log()).length;
  try {
    const runId = `makespan-${n}-${review}-${Date.now()}`;
    const settings: RunSettings = {
      runId,
      repoPath: repo,
      model: 'claude-haiku-4-5',
      maxParallel: MAX_PARALLEL,
      attempts: 2,
      maxTurns: 10,
      sequentialRisk: 'high',
      testCommand: SUITE,
      review: review === 'off' ? 'off' : 'gate',
    };
    // Every process's CPU seconds: the worker's (this process, which also waits on the run), the test processes
    // it ran, the git processes its launcher ran, the dev server's and the stand-in's.
    const cpuNow = () => ({
      worker: cpuSeconds('self'),
      all: cpuSeconds('self', true),
      git: cpuSeconds(launcherPid(), true),
      server: cpuSeconds(serverPid),
      model: model.pid ? cpuSeconds(model.pid) : 0,
    });
    const before = cpuNow();
    const started = Date.now();
    const handle = await startRun(client, settings, taskQueue);
    const report: RunReport = await handle.result();
    const totalMs = Date.now() - started;
    const after = cpuNow();
    const used = (k: keyof typeof before) => (after[k] - before[k]).toFixed(1);
    const children = (after.all - after.worker - (before.all - before.worker)).toFixed(1);
    const cpu = `CPU during the run (${((os.cpus().length * totalMs) / 1000).toFixed(0)} core-seconds on ${os.cpus().length} cores): worker ${used('worker')} s, its test processes ${children} s, git (and its process launcher) ${used('git')} s, dev server ${used('server')} s${model.pid ? `, stand-in model ${used('model')} s` : ' (stand-in model in the worker)'}`;
    await new Promise((r) => setTimeout(r, 1500)); // visibility catches up
    const h = await runActivities(client, runId);
    const requests = (await model.log()).slice(firstRequest);
    const total =
      after.all - before.all + (after.git - before.git) + (after.server - before.server) + (after.model - before.model);
    const perTask = `per task: CPU ${(total / n).toFixed(2)} s (all processes), git commands not counted in this mode, ${(h.events / n).toFixed(0)} history events`;
    return {
      totalMs,
      report,
      spans: h.spans,
      requests,
      breakdown: breakdown(h, requests, started, totalMs, n),
      cpu,
      perTask,
    };
  } finally {
    workers.shutdown();
    await running;
    fs.rmSync(worktreeRoot, { recursive: true, force: true });
  }
}

/**
 * (b) Flotilla on the user's path: `flotilla run --max-parallel 8 --wait` (a process) against the `flotilla dev`
 * already running (another process, with its defaults); review off, or the default. Timed from the run command's
 * start to its exit.
 */
async function userPath(
  repo: string,
  n: number,
  review: Review,
  model: Model,
  dev: DevProcess,
): Promise<FlotillaResult> {
  const runId = `makespan-user-${n}-${review}-${Date.now()}`;
  const firstRequest = (await model.log()).length;
  const before = { ...dev.cpu(), model: model.pid ? cpuSeconds(model.pid) : 0, gitCount: dev.gitCommands() };
  const started = Date.now();
  const r = await runWait(dev.address, repo, runId, MAX_PARALLEL, review === 'off' ? 'off' : 'default');
  const after = { ...dev.cpu(), model: model.pid ? cpuSeconds(model.pid) : 0, gitCount: dev.gitCommands() };
  if (r.code !== 0) console.log(`  flotilla run exited ${r.code}:\n${r.output}`);
  const warning = r.output.split('\n').filter((l) => /slot/i.test(l));
  for (const l of warning) console.log(`  flotilla run said: ${l}`);
  const used = (k: 'worker' | 'server' | 'git' | 'all' | 'model') => after[k] - before[k];
  const cpu = `CPU during the run (${((os.cpus().length * r.ms) / 1000).toFixed(0)} core-seconds on ${os.cpus().length} cores): flotilla dev's worker ${used('worker').toFixed(1)} s, Temporal dev server ${used('server').toFixed(1)} s, git (and its process launcher) ${used('git').toFixed(1)} s, test runs and the rest ${(used('all') - used('worker') - used('server') - used('git')).toFixed(1)} s, stand-in model ${used('model').toFixed(1)} s`;
  const connection = await Connection.connect({ address: dev.address });
  try {
    const client = new Client({ connection });
    await new Promise((res) => setTimeout(res, 1500)); // visibility catches up
    const h = await runActivities(client, runId);
    const requests = (await model.log()).slice(firstRequest);
    const report = JSON.parse(fs.readFileSync(path.join(runDir(repo, runId), 'report.json'), 'utf8')) as RunReport;
    const perTask = `per task: CPU ${((used('all') + used('model')) / n).toFixed(2)} s (all processes), ${((after.gitCount - before.gitCount) / n).toFixed(1)} git commands, ${(h.events / n).toFixed(0)} history events`;
    return {
      totalMs: r.ms,
      report,
      spans: h.spans,
      requests,
      breakdown: breakdown(h, requests, started, r.ms, n),
      cpu,
      perTask,
    };
  } finally {
    await connection.close();
  }
}

/** Not activities: when a task workflow ran, and when its batch heard it give its lane back (for --timeline). */
const MARKERS = ['workflow', 'laneFree@batch', 'laneGranted@task', 'laneGranted@batch'];

function breakdown(
  all: Awaited<ReturnType<typeof runActivities>>,
  requests: RequestLogEntry[],
  started: number,
  totalMs: number,
  n: number,
): string[] {
  const h = { ...all, spans: all.spans.filter((x) => !MARKERS.includes(x.type)) };
  const of = (...types: string[]) => h.spans.filter((x) => types.includes(x.type));
  const run = (xs: ActivitySpan[]) => xs.reduce((t, x) => t + (x.closed - x.started), 0);
  const wait = (xs: ActivitySpan[]) => xs.reduce((t, x) => t + (x.started - x.scheduled), 0);
  // The agent: its first activity (startAgent, or runAgent before durable turns) prepares the worktree before its
  // first model request; the agent's own time is the rest of it, and its later turns (agentTurn).
  const STARTS = ['runAgent', 'startAgent'];
  const AGENT = [...STARTS, 'agentTurn', 'modelPermit'];
  const firstCall = new Map<string, number>();
  for (const r of requests)
    if (!firstCall.has(r.taskId) || r.at < firstCall.get(r.taskId)!) firstCall.set(r.taskId, r.at);
  let prepare = 0;
  let agent = run(of('agentTurn', 'modelPermit'));
  for (const a of of(...STARTS)) {
    const t = firstCall.get(a.workflowId.split('/').pop()!);
    const p = t ? Math.max(0, Math.min(t - a.started, a.closed - a.started)) : 0;
    prepare += p;
    agent += a.closed - a.started - p;
  }
  const remove = run(of('removeTaskWorktree'));
  const rows: Array<[string, number, number]> = [
    ['worktree preparation (in startAgent, before its first model call)', prepare, of(...STARTS).length],
    ['worktree removal (removeTaskWorktree)', remove, of('removeTaskWorktree').length],
    ['agent (model calls and edits, every turn)', agent, of(...STARTS).length],
    ['review (reviewTask)', run(of('reviewTask')), of('reviewTask').length],
    ['task tests (runTaskTests)', run(of('runTaskTests')), of('runTaskTests').length],
    ['commit (commitTask)', run(of('commitTask')), of('commitTask').length],
    [
      'integration onto the run branch (integrateCommit, or integrateCommits for a group)',
      run(of('integrateCommit', 'integrateCommits')),
      of('integrateCommit', 'integrateCommits').length,
    ],
    [
      'suites (baselineTests, runBranchTests)',
      run(of('baselineTests', 'runBranchTests')),
      of('baselineTests', 'runBranchTests').length,
    ],
    [
      'other activities (prepare, plan, records)',
      run(
        h.spans.filter(
          (x) =>
            ![
              ...AGENT,
              'removeTaskWorktree',
              'reviewTask',
              'runTaskTests',
              'commitTask',
              'integrateCommit',
              'integrateCommits',
              'baselineTests',
              'runBranchTests',
            ].includes(x.type),
        ),
      ),
      0,
    ],
  ];
  const lines = rows
    .filter(([, t, c]) => t > 0 || c > 0)
    .map(([name, t, c]) => `    ${name}: ${s(t)} in all${c ? `, ${(t / c / 1000).toFixed(2)} s each (${c})` : ''}`);
  lines.push(
    `    Temporal round trips: activity scheduled→started ${s(wait(h.spans))} in all over ${h.spans.length} activities (${(wait(h.spans) / Math.max(1, h.spans.length)).toFixed(0)} ms each); workflow tasks scheduled→started ${s(h.workflowTaskWaitMs)} over ${h.workflowTasks} (${(h.workflowTaskWaitMs / Math.max(1, h.workflowTasks)).toFixed(0)} ms each); ${h.workflows} workflows, ${h.events} events`,
  );
  // The critical path, by phase of the run: up to the first agent, the tasks, then the suites after the last integration.
  const first = (xs: ActivitySpan[]) => Math.min(...xs.map((x) => x.scheduled));
  const last = (xs: ActivitySpan[]) => Math.max(...xs.map((x) => x.closed));
  const base = of('baselineTests');
  const agents = of(...AGENT);
  const branch = of('runBranchTests').sort((a, b) => a.started - b.started);
  const ints = of('integrateCommit', 'integrateCommits');
  if (base.length && agents.length) {
    const tasksEnd = Math.max(last(ints.length ? ints : agents), last(of('removeTaskWorktree')));
    lines.push(
      `    timeline: start → baseline done ${s(last(base) - started)} (suite ${s(base[0].closed - base[0].started)}); → first agent scheduled +${s(first(agents) - last(base))}; tasks ${s(tasksEnd - first(agents))} (${Math.ceil(n / MAX_PARALLEL)} waves, ${(
        (tasksEnd - first(agents)) /
        1000 /
        Math.ceil(n / MAX_PARALLEL)
      ).toFixed(2)} s each); ` +
        branch
          .map(
            (b, i) =>
              `suite ${i + 1} ${s(b.closed - b.started)} (waited ${s(b.started - b.scheduled)}, ${s(b.scheduled - (i ? branch[i - 1].closed : tasksEnd))} after the previous step)`,
          )
          .join('; ') +
        `; → end +${s(started + totalMs - (branch.length ? last(branch) : tasksEnd))}`,
    );
  }
  return lines;
}

/** `--timeline`: each task's steps, in seconds from the first agent's scheduling: `step scheduled/started–closed`. */
function timeline(spans: ActivitySpan[], requests: RequestLogEntry[]): string[] {
  const zero = Math.min(
    ...spans.filter((x) => x.type === 'runAgent' || x.type === 'startAgent').map((x) => x.scheduled),
  );
  const t = (ms: number) => ((ms - zero) / 1000).toFixed(2);
  const byTask = new Map<string, ActivitySpan[]>();
  for (const x of spans) {
    const id = x.workflowId.split('/').pop()!;
    if (/^TASK-/.test(id)) byTask.set(id, [...(byTask.get(id) ?? []), x]);
  }
  return [...byTask.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([id, xs]) => {
      const asked = requests.filter((r) => r.taskId === id && r.kind === 'agent').map((r) => `${r.turn}@${t(r.at)}`);
      return `    ${id}: ${xs
        .sort((a, b) => a.scheduled - b.scheduled)
        .map((x) => `${x.type} ${t(x.scheduled)}/${t(x.started)}–${t(x.closed)}`)
        .join(', ')}; model requests ${asked.join(' ')}`;
    });
}

async function main(): Promise<void> {
  const o = args();
  const n = o.tasks;
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const load = () =>
    os
      .loadavg()
      .map((x) => x.toFixed(2))
      .join(' ');
  console.log(
    `makespan: ${n} independent one-file tasks, ${MODEL_CALLS} model calls of ${LATENCY_MS / 1000} s each, --max-parallel ${MAX_PARALLEL}; ${o.inProcess ? 'worker and run in this process' : "the user's path: flotilla dev and flotilla run --wait as processes"}; ${os.cpus().length} cores, load ${load()}`,
  );
  const model = await startModel(o.modelInProcess);
  const repo = buildRepo(n);
  let loop: LoopResult | undefined;
  if (!o.skipLoop) {
    loop = await plainLoop(repo, n, model);
    console.log(
      `(a) plain loop: ${s(loop.totalMs)} (suite ${s(median(loop.suiteMs))}, model ${(median(loop.modelMs) / 1000).toFixed(2)} s, task test ${(median(loop.taskTestMs) / 1000).toFixed(2)} s, commit ${(median(loop.commitMs) / 1000).toFixed(2)} s per task; load ${load()})`,
    );
  }
  const suiteMs = loop ? median(loop.suiteMs) : 4300;
  const taskTestMs = loop ? median(loop.taskTestMs) : 220;
  const waves = Math.ceil(n / MAX_PARALLEL);
  const bound = 2 * suiteMs + waves * (MODEL_CALLS * LATENCY_MS + taskTestMs);
  const nominal = 2 * 4300 + waves * (MODEL_CALLS * LATENCY_MS + 220);
  console.log(
    `(c) lower bound: ${s(bound)} = suite ${s(suiteMs)} + ${waves} waves × (${MODEL_CALLS} × ${LATENCY_MS / 1000} s + ${(taskTestMs / 1000).toFixed(2)} s) + suite ${s(suiteMs)} (measured here; nominal with 4.3 s and 0.22 s: ${s(nominal)}); with the review: + one review call of ${LATENCY_MS / 1000} s for the last wave = ${s(bound + LATENCY_MS)}`,
  );
  const print = (review: Review, f: FlotillaResult, repoCopy: string) => {
    const b = review === 'off' ? bound : bound + LATENCY_MS;
    const committed = f.report.tasks.filter((t) => t.status === 'committed').length;
    const commits = git(repoCopy, 'rev-list', '--count', `main..flotilla/${f.report.runId}`).trim();
    console.log(
      `(b) Flotilla, review ${review === 'default' ? 'default (gate)' : review}: ${s(f.totalMs)}, ${f.report.status}, ${committed}/${n} committed (${commits} commits on the run branch); load ${load()}`,
    );
    console.log(
      `    Flotilla/bound ${(f.totalMs / b).toFixed(2)}× (bound ${s(b)})${loop ? `, loop/Flotilla ${(loop.totalMs / f.totalMs).toFixed(2)}×` : ''}`,
    );
    console.log(
      `  where the time went (activity time summed over all lanes; report ${path.join(runDir(repoCopy, f.report.runId), 'report.json')}):`,
    );
    for (const line of f.breakdown) console.log(line);
    console.log(`    ${f.cpu}`);
    console.log(`    ${f.perTask}`);
    console.log(`  lanes re-granted (an agent finishing → the next agent in its lane), per wave:`);
    for (const line of handoffLines(laneHandoffs(f.spans, MAX_PARALLEL))) console.log(line);
    if (o.timeline) for (const line of timeline(f.spans, f.requests)) console.log(line);
    if (committed !== n)
      console.log(
        `  NOT all committed: ${f.report.tasks
          .filter((t) => t.status !== 'committed')
          .map((t) => `${t.id} ${t.status} ${t.reason ?? ''}`)
          .join('; ')}`,
      );
  };
  const copy = () => {
    const repoCopy = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-makespan-run-'));
    git(os.tmpdir(), 'clone', '-q', repo, repoCopy);
    git(repoCopy, 'config', 'user.email', 'bench@localhost');
    git(repoCopy, 'config', 'user.name', 'Bench');
    return repoCopy;
  };
  try {
    if (!o.inProcess) {
      const dev = await startDev(model.url);
      console.log(
        `flotilla dev started (${dev.address}): ${dev
          .output()
          .split('\n')
          .filter((l) => /agent slots|Worker polling/.test(l))
          .join('; ')}`,
      );
      try {
        for (const review of o.reviews) {
          const repoCopy = copy();
          print(review, await userPath(repoCopy, n, review, model, dev), repoCopy);
        }
      } finally {
        await dev.stop();
      }
      return;
    }
    const server = await startDevServer({ port: await freePort(), headless: true });
    const connection = await Connection.connect({ address: server.address });
    const client = new Client({ connection });
    const native = await NativeConnection.connect({ address: server.address });
    try {
      for (const review of o.reviews) {
        const repoCopy = copy();
        print(review, await flotilla(repoCopy, n, review, model, client, native, server.process?.pid), repoCopy);
      }
    } finally {
      await connection.close();
      await native.close();
      await server.stop();
    }
  } finally {
    await model.close();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
