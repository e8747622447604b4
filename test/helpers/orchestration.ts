// Fast orchestration tests: Flotilla's real workflows with scripted activities (no git, no model, no test runner),
// so what a test sees is the workflows' own decisions: lanes, control, integration order.
//
// The environment is Temporal's time-skipping test server when FLOTILLA_TIME_SKIPPING_SERVER names its executable
// (`temporal-test-server`: TestWorkflowEnvironment downloads it from temporal.download, which an offline machine
// cannot reach), else the suite's dev server (FLOTILLA_TEST_TEMPORAL, started once by test/global-setup.ts).
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { AgentActivities, MainActivities, TestActivities } from '../../activities';
import { instantMainActivities } from '../../bench/instant-main';
import { runDir } from '../../activities/run-paths';
import { agentQueue, testQueue } from '../../core/task-queues';
import type { RunSettings, TestEvidence, TokenUsage } from '../../core/types';
import type { Task } from '../../planner';

const passed = (command: string): TestEvidence => ({
  command,
  passed: true,
  exitCode: 0,
  failingTests: [],
  tail: '',
  logPath: '/dev/null',
  durationMs: 1,
});
const usage = (): TokenUsage => ({
  inputTokens: 100,
  outputTokens: 10,
  cacheWriteTokens: 0,
  cacheReadTokens: 0,
  costUsd: 0.001,
});
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** n independent low-risk tasks, one file each: one parallel batch. */
export function independentTasks(n: number): Task[] {
  return Array.from({ length: n }, (_, i) => {
    const id = `TASK-${String(i + 1).padStart(4, '0')}`;
    return {
      id,
      title: `Tidy src/f${i}.ts`,
      category: 'docs',
      risk: 'low',
      files: [`src/f${i}.ts`],
      dependsOn: [],
      description: '',
      changes: [],
      sourcePath: `tasks/${id}.md`,
    };
  });
}

/** How long each scripted step takes (ms), and what is going on right now, for the test to look at. */
export interface Script {
  agentMs: number;
  testsMs: number;
  /** Steps in the order they started and ended: `agent+ TASK-0001`, `agent- TASK-0001`, `tests+ …`, `tests- …`. */
  log: string[];
  /** The most agents that ran at once, and the most agents and task tests at once. */
  peak: { agents: number; busy: number };
}

export interface Orchestration {
  env: TestWorkflowEnvironment;
  taskQueue: string;
  script: Script;
  /** Plans `tasks` for the run `runId` (the planner's real plan, written where the batches read it). */
  backlog(runId: string, tasks: Task[]): RunSettings;
  stop(): Promise<void>;
}

/** Scripted activities on the three shared queues: agents take agentMs, task tests testsMs, everything else is instant. */
function scriptedActivities(script: Script, backlogs: Map<string, Task[]>) {
  let sha = 0;
  const nextSha = () => (++sha).toString(16).padStart(40, '0');
  let agents = 0;
  let busy = 0;
  const during = async <T>(kind: 'agent' | 'tests', taskId: string, ms: number, result: () => T): Promise<T> => {
    if (kind === 'agent') agents++;
    busy++;
    script.peak = { agents: Math.max(script.peak.agents, agents), busy: Math.max(script.peak.busy, busy) };
    script.log.push(`${kind}+ ${taskId}`);
    try {
      await sleep(ms);
      return result();
    } finally {
      script.log.push(`${kind}- ${taskId}`);
      if (kind === 'agent') agents--;
      busy--;
    }
  };
  const main: Partial<MainActivities> = {
    ...instantMainActivities(backlogs, nextSha, 'orchestration'),
    async saveTaskStates() {},
    async lostAgentUsage() {
      return { inputTokens: 0, outputTokens: 0, cacheWriteTokens: 0, cacheReadTokens: 0 };
    },
    async hostAlive() {
      return true;
    },
    async finishRun(a) {
      return { reportPath: path.join(runDir(a.repoPath, a.runId), 'report.json') };
    },
  };
  const agentSide: Partial<AgentActivities> = {
    // One turn: the agent's whole time is its first turn.
    async startAgent(a) {
      return during('agent', a.taskId, script.agentMs, () => ({
        rateLimited: false,
        transcriptPath: '/dev/null',
        turn: {
          turn: 1,
          outcome: 'ok' as const,
          tools: [],
          edited: [`src/${a.taskId}.ts`],
          usage: usage(),
          final: { ok: true, summary: `Did ${a.taskId}.` },
        },
      }));
    },
    async modelPermit() {},
    async reviewTask(a) {
      return {
        verdict: 'approve' as const,
        summary: 'approved',
        comments: [],
        by: 'model' as const,
        usage: usage(),
        model: a.model,
      };
    },
    async reviewRun(a) {
      return { model: a.model, notes: [], usage: usage() };
    },
  };
  const tests: Partial<TestActivities> = {
    async baselineTests(a) {
      return { evidence: passed(a.testCommand), baseline: { failing: [], flaky: [] } };
    },
    async runTaskTests(a) {
      return during('tests', a.taskId, script.testsMs, () => passed(a.command));
    },
    async runBranchTests(a) {
      return passed(a.command);
    },
  };
  return { main, agents: agentSide, tests };
}

let bundle: { code: string } | undefined;

/** The environment, the workflows' bundle (made once per test file) and workers with scripted activities on a queue of the test's own. */
export async function startOrchestration(timing: { agentMs: number; testsMs: number }): Promise<Orchestration> {
  try {
    Runtime.install({ logger: new DefaultLogger('WARN') });
  } catch {
    /* installed by another test in this process */
  }
  const executable = process.env.FLOTILLA_TIME_SKIPPING_SERVER;
  const env = executable
    ? await TestWorkflowEnvironment.createTimeSkipping({
        server: { executable: { type: 'existing-path', path: executable } },
      })
    : await TestWorkflowEnvironment.createFromExistingServer({ address: process.env.FLOTILLA_TEST_TEMPORAL! });
  bundle ??= await bundleWorkflowCode({
    workflowsPath: require.resolve('../../workflows'),
    logger: new DefaultLogger('ERROR'),
  });
  const script: Script = { ...timing, log: [], peak: { agents: 0, busy: 0 } };
  const backlogs = new Map<string, Task[]>();
  const acts = scriptedActivities(script, backlogs);
  const taskQueue = `orchestration-${Math.random().toString(36).slice(2)}`;
  const common = { connection: env.nativeConnection, namespace: env.namespace ?? 'default' };
  const workers = [
    await Worker.create({ ...common, taskQueue, workflowBundle: bundle, activities: acts.main }),
    await Worker.create({ ...common, taskQueue: agentQueue(taskQueue), activities: acts.agents }),
    await Worker.create({ ...common, taskQueue: testQueue(taskQueue), activities: acts.tests }),
  ];
  const running = workers.map((w) => w.run());
  const repoPath = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-orchestration-'));
  return {
    env,
    taskQueue,
    script,
    backlog(runId, tasks) {
      backlogs.set(runId, tasks);
      return {
        runId,
        repoPath,
        model: 'claude-haiku-4-5',
        maxParallel: 2,
        attempts: 1,
        maxTurns: 10,
        sequentialRisk: 'high',
        review: 'off',
      };
    },
    async stop() {
      for (const w of workers) w.shutdown();
      await Promise.all(running);
      await env.teardown();
    },
  };
}
