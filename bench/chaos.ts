// `npm run chaos [-- --tasks N] [-- --worker-kills K] [-- --server-kills S] [-- --latency MS] [-- --seed X] [-- --timeout-s T] [-- --keep]`:
// a run under fire. A Temporal dev server (its own port, SQLite in a temp folder), ONE stand-in model in this
// process (its request log outlives the workers) and two `flotilla worker` processes; a run on a generated
// backlog of N independent tasks that pass on their first attempt. While it runs, the workers are SIGKILLed
// K times (default 6) at moments aimed at an agent mid-conversation (a model request in flight, seen in the
// stand-in's log), a task's tests, and a commit or its integration onto the run branch, each restarted after a
// short pause; the dev server is SIGKILLed S times (default 1) and started again on the same database.
// Then it checks the run branch: one `Complete TASK-x` commit per task, none twice, none lost, report.json
// written; and counts the model turns paid twice (answered 200 twice for the same task, kind and turn).
// Prints one summary line: `kills: N, server kills: M, lost: L, duplicates: D, repaid model turns: K`,
// and exits 1 on any loss or duplicate (or a run that did not complete).
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { type ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startRun } from '../client/start-run';
import type { RunReport, RunSettings } from '../core/types';
import { startStandInModel, type StandInModel } from '../dev/stand-in-model';
import { type DevServer, freePort, startDevServer } from '../dev/temporal-server';
import { commitAll, git } from './git-repo';
import { rng } from './random-backlog';

const ROOT = path.resolve(__dirname, '..', '..');
const CLI = path.join(ROOT, 'bin', 'flotilla.js');
const taskId = (i: number) => `TASK-${String(i + 1).padStart(4, '0')}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** The activities of an agent mid-conversation: its first turn, or a later one. */
const AGENT_STEPS = ['startAgent', 'agentTurn'];
/** The three edits each task makes (three agent turns with a tool call, then a summary turn). */
const MARKS = ['Module', 'Returns', 'Checked'];
/** pendingActivities[].state: STARTED (a worker holds it). */
const STARTED = 2;

interface Options {
  tasks: number;
  workerKills: number;
  serverKills: number;
  latencyMs: number;
  seed: number;
  timeoutS: number;
  keep: boolean;
}

function options(argv: string[]): Options {
  const at = (name: string) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : undefined);
  const int = (name: string, def: number, min: number) => {
    const v = at(name);
    if (v === undefined) return def;
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) throw new Error(`${name} takes an integer >= ${min}, not ${v}`);
    return n;
  };
  return {
    tasks: int('--tasks', 12, 1),
    workerKills: int('--worker-kills', 6, 0),
    serverKills: int('--server-kills', 1, 0),
    latencyMs: int('--latency', 500, 0),
    seed: int('--seed', Date.now() % 1_000_000, 0),
    timeoutS: int('--timeout-s', 900, 10),
    keep: argv.includes('--keep'),
  };
}

/** N independent tasks: task i makes three edits to src/fI.js; its own test (~1 s) is checks/fI.test.js, the suite `node --test checks/`. */
function buildRepo(dir: string, n: number): void {
  const w = (rel: string, text: string) => {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), text);
  };
  w(
    'package.json',
    JSON.stringify({ name: 'chaos', private: true, scripts: { test: 'node --test checks/' } }, null, 2) + '\n',
  );
  w('.gitignore', 'node_modules\n');
  for (let i = 0; i < n; i++) {
    w(
      `src/f${i}.js`,
      `// module ${i}\nfunction value() {\n  // returns\n  return ${i};\n}\n// checked\nmodule.exports = { value };\n`,
    );
    w(
      `checks/f${i}.test.js`,
      [
        "const test = require('node:test');",
        "const assert = require('node:assert');",
        `const { value } = require('../src/f${i}.js');`,
        `test('f${i} value', async () => {`,
        '  await new Promise((r) => setTimeout(r, 1000));',
        `  assert.strictEqual(value(), ${i});`,
        '});',
        '',
      ].join('\n'),
    );
    const change = (search: string, replace: string) => [
      '```js',
      `src/f${i}.js`,
      '<<<<<<< SEARCH',
      search,
      '=======',
      replace,
      '>>>>>>> REPLACE',
      '```',
      '',
    ];
    w(
      `tasks/${taskId(i)}.md`,
      [
        '---',
        `id: ${taskId(i)}`,
        `title: Document src/f${i}.js`,
        'category: docs',
        'risk: low',
        'files:',
        `  - src/f${i}.js`,
        `tests: node --test checks/f${i}.test.js`,
        '---',
        '## Description',
        `Turn the three bare comments of src/f${i}.js into doc comments.`,
        '',
        '## Change',
        ...change(`// module ${i}`, `/** ${MARKS[0]} ${i}. */`),
        ...change('  // returns', `  /** ${MARKS[1]} ${i}. */`),
        ...change('// checked', `/** ${MARKS[2]} by checks/f${i}.test.js. */`),
      ].join('\n'),
    );
  }
  commitAll(dir, 'Chaos', 'The chaos backlog');
}

/** One of the two worker slots: its process (restarted after each kill), its worktrees folder and logs. */
interface Slot {
  index: number;
  child: ChildProcess;
  generation: number;
  startedAt: number;
}

type Target = 'agent' | 'tests' | 'integration';

interface KillRecord {
  at: number;
  what: string;
  target: Target | 'server';
  /** Model requests answered but not yet delivered (still in the stand-in's latency) when the kill came. */
  inFlight: number;
  duringAgent: boolean;
}

/** A pending activity of a workflow, as describe() returns it. */
interface Pending {
  workflow: string;
  activity: string;
  pid: number | null;
  details: { turn?: number; tests?: boolean } | undefined;
}

async function pendingOf(client: Client, workflowId: string): Promise<Pending[]> {
  try {
    const d = await client.workflow.getHandle(workflowId).describe();
    return (d.raw.pendingActivities ?? [])
      .filter((a) => a.state === STARTED)
      .map((a) => {
        const payload = a.heartbeatDetails?.payloads?.[0];
        let details: Pending['details'];
        try {
          details = payload ? (defaultPayloadConverter.fromPayload(payload) as Pending['details']) : undefined;
        } catch {
          details = undefined;
        }
        // Worker identity: `<pid>@<hostname>/<hostId>` (worker/worker.ts).
        const pid = Number(/^(\d+)@/.exec(a.lastWorkerIdentity ?? '')?.[1]);
        return {
          workflow: workflowId,
          activity: a.activityType?.name ?? '?',
          pid: Number.isInteger(pid) ? pid : null,
          details,
        };
      });
  } catch {
    return []; // not started yet, ended, or the server is away
  }
}

async function main(): Promise<number> {
  const o = options(process.argv.slice(2));
  const random = rng(o.seed);
  const pick = <T>(xs: T[]): T => xs[Math.floor(random() * xs.length)];
  const between = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo));
  const started = Date.now();
  const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)} s`;
  const say = (line: string) => console.log(`[${elapsed().padStart(7)}] ${line}`);

  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-chaos-'));
  const slots: Slot[] = [];
  let server: DevServer | null = null;
  let model: StandInModel | null = null;
  let connection: Connection | null = null;
  let failed = true;
  // Whatever happens (an exception, Ctrl-C, process.exit), no process and no temp folder stays behind.
  const killAll = () => {
    for (const s of slots) if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill('SIGKILL');
    if (server?.process && server.process.exitCode === null && server.process.signalCode === null)
      server.process.kill('SIGKILL');
  };
  const removeTmp = () => {
    if (o.keep) return;
    try {
      fs.rmSync(tmp, { recursive: true, force: true });
    } catch {
      /* best effort at exit */
    }
  };
  process.on('exit', () => {
    killAll();
    removeTmp();
  });
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => process.exit(130));

  try {
    say(
      `seed ${o.seed}; ${o.tasks} tasks, ${o.workerKills} worker kills, ${o.serverKills} server kills, model latency ${o.latencyMs} ms; temp ${tmp}`,
    );
    const repo = path.join(tmp, 'repo');
    fs.mkdirSync(repo);
    buildRepo(repo, o.tasks);
    const port = await freePort();
    const dbFile = path.join(tmp, 'temporal.db');
    server = await startDevServer({ port, dbFile, headless: true });
    model = await startStandInModel({ latencyMs: o.latencyMs });
    const taskQueue = `chaos-${Date.now()}`;

    const spawnWorker = (index: number, generation: number): Slot => {
      const worktrees = path.join(tmp, `worktrees-${index}`);
      fs.mkdirSync(worktrees, { recursive: true });
      const log = fs.openSync(path.join(tmp, `worker-${index}-${generation}.log`), 'w');
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        TEMPORAL_ADDRESS: server!.address,
        FLOTILLA_TASK_QUEUE: taskQueue,
        FLOTILLA_WORKTREES: worktrees,
        // The one stand-in of this process, through the real-API path of the worker (a key and a base URL).
        ANTHROPIC_API_KEY: 'chaos-fake-key',
        ANTHROPIC_BASE_URL: model!.url,
        // A dead host's steps move to a live one after 10 s instead of 60.
        FLOTILLA_HOST_TIMEOUT_MS: '10000',
      };
      try {
        const child = spawn(process.execPath, [CLI, 'worker', '--max-parallel', '3'], {
          cwd: ROOT,
          env,
          stdio: ['ignore', log, log],
        });
        return { index, child, generation, startedAt: Date.now() };
      } finally {
        fs.closeSync(log); // the child has its own copy
      }
    };
    slots.push(spawnWorker(0, 0), spawnWorker(1, 0));

    connection = await Connection.connect({ address: server.address });
    let client = new Client({ connection });
    const runId = `chaos-${Date.now()}`;
    const settings: RunSettings = {
      runId,
      repoPath: repo,
      model: 'claude-haiku-4-5',
      maxParallel: 6,
      attempts: 1,
      maxTurns: 10,
      sequentialRisk: 'high',
    };
    let handle: WorkflowHandle = await startRun(client, settings, taskQueue);
    const rootId = handle.workflowId;
    say(`run ${runId} started on ${server.address}; stand-in model at ${model.url}`);

    /** The run's status in the server's eyes (RUNNING, COMPLETED…), or null while the server is away. */
    const runState = async (): Promise<string | null> => {
      try {
        return (await handle.describe()).status.name;
      } catch {
        return null;
      }
    };
    const deadline = started + o.timeoutS * 1000;
    const finished = async () => {
      const s = await runState();
      return s !== null && s !== 'RUNNING';
    };

    /** Requests the stand-in answered whose answer is still held back by its latency: in flight. */
    const inFlight = () =>
      model!.log.filter((e) => e.status === 200 && e.kind !== 'propose' && e.at > Date.now() - o.latencyMs);

    /** Where the workers are now: started activities of the task workflows and of the batches (integration). */
    const activities = async (): Promise<Pending[]> => {
      const ids = Array.from({ length: o.tasks }, (_, i) => `${rootId}/${taskId(i)}`);
      // Batches: 1A, 1B… (the planner's ids); a backlog of independent tasks has few.
      const batches = ['1A', '1B', '1C', '2A', '2B', 'R'].map((b) => `${rootId}/batch-${b}`);
      return (await Promise.all([...ids, ...batches].map((id) => pendingOf(client, id)))).flat();
    };
    const matches: Record<Target, (p: Pending) => boolean> = {
      agent: (p) => AGENT_STEPS.includes(p.activity) && !p.details?.tests,
      tests: (p) => p.activity === 'runTaskTests' || (AGENT_STEPS.includes(p.activity) && !!p.details?.tests),
      integration: (p) =>
        p.activity === 'integrateCommit' || p.activity === 'integrateCommits' || p.activity === 'commitTask',
    };

    /** Waits (up to 15 s) for a worker to be at the target and returns its slot and what it was doing. */
    const findMoment = async (target: Target): Promise<{ slot: Slot; what: string } | null> => {
      const until = Date.now() + 15_000;
      while (Date.now() < until && Date.now() < deadline) {
        const live = slots.filter((s) => s.child.exitCode === null && s.child.signalCode === null);
        const hits = (await activities()).filter((p) => matches[target](p) && live.some((s) => s.child.pid === p.pid));
        // An agent counts as mid-conversation when one of its requests is in flight at the stand-in.
        const agentHits =
          target === 'agent' ? hits.filter((p) => inFlight().some((e) => p.workflow.endsWith(`/${e.taskId}`))) : hits;
        if (agentHits.length) {
          const p = pick(agentHits);
          const task = p.workflow.slice(rootId.length + 1);
          const what =
            target === 'agent'
              ? `${task} mid-conversation (turn ${inFlight().find((e) => p.workflow.endsWith(`/${e.taskId}`))?.turn ?? '?'} in flight)`
              : `${task}: ${p.activity}`;
          return { slot: live.find((s) => s.child.pid === p.pid)!, what };
        }
        if (target === 'integration') {
          // A commit and its integration take well under a second: aim at them from the review just before.
          // When a task's review answer is in flight, its commit follows on the same host a moment after it lands.
          const reviews = (await activities()).filter(
            (p) => p.activity === 'reviewTask' && live.some((s) => s.child.pid === p.pid),
          );
          for (const r of reviews) {
            const e = inFlight().find((x) => x.kind === 'review' && r.workflow.endsWith(`/${x.taskId}`));
            if (!e) continue;
            await sleep(Math.max(0, e.at + o.latencyMs - Date.now()) + between(150, 600));
            const slot = live.find((s) => s.child.pid === r.pid)!;
            if (slot.child.exitCode !== null || slot.child.signalCode !== null) break;
            return { slot, what: `${e.taskId} just after its review was answered (its commit, then the integration)` };
          }
        }
        if (await finished()) return null;
        await sleep(100);
      }
      return null;
    };

    // The schedule: worker kills aimed at each kind of moment in turn, the server kills at random places after the first.
    const targets: Target[] = ['agent', 'tests', 'integration'];
    const events: (Target | 'server')[] = Array.from({ length: o.workerKills }, (_, i) => targets[i % targets.length]);
    for (let i = 0; i < o.serverKills; i++) events.splice(1 + Math.floor(random() * events.length), 0, 'server');
    const kills: KillRecord[] = [];

    // Wait until the run has tasks at work before the first kill.
    while (!(await activities()).some((p) => AGENT_STEPS.includes(p.activity))) {
      if (Date.now() > deadline || (await finished())) throw new Error('the run never started an agent');
      await sleep(200);
    }

    for (const event of events) {
      await sleep(between(500, 3000));
      if (Date.now() > deadline || (await finished())) break;
      if (event === 'server') {
        const flying = inFlight().length;
        server.process!.kill('SIGKILL');
        await new Promise((r) => server!.process!.once('exit', r));
        await connection.close().catch(() => undefined);
        say(`killed the Temporal server (${flying} model request(s) in flight); it stays down 2 s`);
        await sleep(2000);
        server = await startDevServer({ port, dbFile, headless: true });
        connection = await Connection.connect({ address: server.address });
        client = new Client({ connection });
        handle = client.workflow.getHandle(rootId);
        kills.push({ at: Date.now(), what: 'server', target: 'server', inFlight: flying, duringAgent: false });
        say(`Temporal server started again on ${dbFile}`);
        continue;
      }
      const found = await findMoment(event);
      if (!found && (await finished())) break;
      // No such moment within 15 s: kill the longest-running worker anyway, at a random moment.
      const slot = found?.slot ?? [...slots].sort((a, b) => a.startedAt - b.startedAt)[0];
      const what = found?.what ?? `a random moment (no ${event} seen within 15 s)`;
      const agentsThere = (await activities()).filter((p) => p.pid === slot.child.pid && matches.agent(p)).length;
      const flying = inFlight().length;
      const at = Date.now();
      slot.child.kill('SIGKILL');
      await new Promise((r) =>
        slot.child.exitCode === null && slot.child.signalCode === null ? slot.child.once('exit', r) : r(null),
      );
      kills.push({ at, what, target: event, inFlight: flying, duringAgent: agentsThere > 0 });
      say(
        `kill ${kills.filter((k) => k.target !== 'server').length}: worker ${slot.index} (pid ${slot.child.pid}) at ${what}; ${agentsThere} agent(s) there, ${flying} model request(s) in flight`,
      );
      await sleep(between(300, 1500));
      slots[slot.index] = spawnWorker(slot.index, slot.generation + 1);
    }

    say('chaos over; waiting for the run to finish');
    let state: string | null = null;
    while (Date.now() < deadline) {
      state = await runState();
      if (state !== null && state !== 'RUNNING') break;
      await sleep(1000);
    }
    const workerKills = kills.filter((k) => k.target !== 'server').length;
    const serverKills = kills.length - workerKills;

    // The checks: the run's report, its branch, and the stand-in's log.
    const problems: string[] = [];
    let report: RunReport | null = null;
    if (state === 'COMPLETED') report = (await handle.result()) as RunReport;
    else problems.push(`the run is ${state ?? 'unknown (server unreachable)'} after ${elapsed()}, not completed`);
    const reportFile = path.join(repo, '.flotilla', 'runs', runId, 'report.json');
    if (!fs.existsSync(reportFile)) problems.push(`no ${reportFile}`);
    else report ??= JSON.parse(fs.readFileSync(reportFile, 'utf8')) as RunReport;

    const planned = Array.from({ length: o.tasks }, (_, i) => taskId(i));
    const commitsOf = new Map<string, number>();
    let duplicates = 0;
    if (report?.branch && report.baseSha) {
      const log = git(
        repo,
        'log',
        '--format=%s%x09%(trailers:key=Flotilla-Task,valueonly,separator=%x2C)',
        `${report.baseSha}..${report.branch}`,
      ).trim();
      for (const line of log ? log.split('\n') : []) {
        const [subject, trailer] = line.split('\t');
        const id = /^Complete (TASK-\d+):/.exec(subject)?.[1];
        if (!id) continue;
        if (trailer && trailer.trim() !== id) problems.push(`commit "${subject}" carries Flotilla-Task: ${trailer}`);
        commitsOf.set(id, (commitsOf.get(id) ?? 0) + 1);
      }
      for (const [id, n] of commitsOf)
        if (n > 1) ((duplicates += n - 1), problems.push(`${id} has ${n} commits on ${report.branch}`));
      // An edit applied twice (a retried tool call after a crash) would leave its doc comment twice.
      for (let i = 0; i < o.tasks; i++) {
        if (!commitsOf.get(taskId(i))) continue;
        const text = git(repo, 'show', `${report.branch}:src/f${i}.js`);
        const wrong = MARKS.map((m) => [m, text.split(`/** ${m} `).length - 1] as const).filter(([, n]) => n !== 1);
        if (wrong.some(([, n]) => n > 1)) duplicates += 1;
        if (wrong.length)
          problems.push(
            `${taskId(i)}: src/f${i}.js has ${wrong.map(([m, n]) => `"${m}" ${n} times`).join(', ')} (expected once each)`,
          );
      }
    } else problems.push('the report names no run branch');
    const lostTasks: string[] = [];
    for (const id of planned) {
      const t = report?.tasks.find((x) => x.id === id);
      const n = commitsOf.get(id) ?? 0;
      if (t?.status === 'committed' && n === 0)
        lostTasks.push(`${id} (committed in the report, no commit on the branch)`);
      // Every task passes on its first try: a task that did not commit was lost to the chaos.
      else if (t?.status !== 'committed')
        lostTasks.push(`${id} (${t ? `${t.status}${t.reason ? `: ${t.reason}` : ''}` : 'not in the report'})`);
    }
    if (lostTasks.length) problems.push(`lost: ${lostTasks.join('; ')}`);

    // Repaid model turns: a (kind, task, turn) answered 200 more than once (each task has one attempt).
    const answered = model.log.filter((e) => e.status === 200 && e.kind !== 'propose');
    const groups = new Map<string, typeof answered>();
    for (const e of answered)
      groups.set(`${e.kind} ${e.taskId} ${e.turn}`, [...(groups.get(`${e.kind} ${e.taskId} ${e.turn}`) ?? []), e]);
    // A repeat whose earlier answer was still in flight when a worker died was lost with it; any other
    // repeat is a conversation started again (its host died with the worktree, so the task's attempt began anew).
    const workerKillTimes = kills.filter((k) => k.target !== 'server').map((k) => k.at);
    const wasInFlight = (e: (typeof answered)[number]) =>
      workerKillTimes.some((t) => e.at <= t && e.at > t - o.latencyMs);
    let repaidInFlight = 0;
    let repaidRestarted = 0;
    /** Of the repeats that were not in flight: reviews (a review has no checkpoints: a task whose host died after it reviews again). */
    let restartedReviews = 0;
    /** In-flight repeats sent again word for word: the conversation resumed from its checkpoint. */
    let resumed = 0;
    for (const g of groups.values()) {
      for (let i = 1; i < g.length; i++) {
        if (!wasInFlight(g[i - 1])) (repaidRestarted++, g[i].kind === 'review' && restartedReviews++);
        else (repaidInFlight++, g[i].prefix === g[i - 1].prefix && resumed++);
      }
    }
    const repaid = repaidInFlight + repaidRestarted;
    const agentKills = kills.filter((k) => k.duringAgent).length;
    const flyingAtKills = kills.filter((k) => k.target !== 'server').reduce((s, k) => s + k.inFlight, 0);
    if (model.requests >= 1000)
      say('note: the stand-in keeps the last 1,000 requests only; the repaid count covers those');

    for (const p of problems) say(`PROBLEM: ${p}`);
    say(
      `run ${state ?? '?'}: ${report ? `${report.counts.committed}/${planned.length} committed` : 'no report'}; ${model.requests} model requests`,
    );
    say(
      `kills during agent conversations: ${agentKills}; model requests in flight at the worker kills: ${flyingAtKills} (the bound on turns repaid by resumed conversations)`,
    );
    say(
      `repaid model turns: ${repaid}: ${repaidInFlight} in flight at a kill (${resumed} sent again word for word, from the checkpoint), ${repaidRestarted} in conversations started again (their host died with the worktree): ${repaidRestarted - restartedReviews} agent turn(s), ${restartedReviews} review turn(s)`,
    );
    if (workerKills < o.workerKills || serverKills < o.serverKills)
      say(
        `note: the run finished after ${workerKills} worker kill(s) and ${serverKills} server kill(s) of the ${o.workerKills} + ${o.serverKills} planned`,
      );
    console.log(
      `kills: ${workerKills}, server kills: ${serverKills}, lost: ${lostTasks.length}, duplicates: ${duplicates}, repaid model turns: ${repaid}`,
    );
    failed = problems.length > 0;
    if (failed) {
      for (const f of fs.readdirSync(tmp).filter((f) => f.startsWith('worker-'))) {
        const text = fs.readFileSync(path.join(tmp, f), 'utf8').trim();
        if (text) console.error(`--- ${f} (last 1,500 characters)\n${text.slice(-1500)}`);
      }
    }
    return failed ? 1 : 0;
  } finally {
    killAll();
    await Promise.all(
      slots.map((s) =>
        s.child.exitCode === null && s.child.signalCode === null ? new Promise((r) => s.child.once('exit', r)) : null,
      ),
    );
    await connection?.close().catch(() => undefined);
    await model?.close();
    await server?.stop();
    if (o.keep) console.error(`kept ${tmp}`);
    removeTmp();
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
