import { Client, Connection } from '@temporalio/client';
import { type ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { simpleGit } from 'simple-git';
import type { RunReport } from '../../core/types';
import { startRun } from '../../client/start-run';
import { runSettings, waitForStatus } from '../helpers/run-helpers';
import { makeSampleRepo } from '../helpers/sample-repo';

const CLI = path.resolve(__dirname, '../../bin/flotilla.js');

/** A real worker process (the CLI's `flotilla worker`), so it can be killed with SIGKILL mid-run. */
function spawnWorker(env: NodeJS.ProcessEnv): ChildProcess {
  const log = fs.openSync(path.join(os.tmpdir(), `flotilla-crash-worker-${Date.now()}.log`), 'w');
  try {
    return spawn(process.execPath, [CLI, 'worker'], { env: { ...process.env, ...env }, stdio: ['ignore', log, log] });
  } finally {
    fs.closeSync(log); // the child has its own copy
  }
}

/**
 * Starts a run on a worker process, SIGKILLs the worker once `killWhen` holds (with an agent
 * mid-conversation), starts a new worker and returns the final report.
 */
async function crashAndResume(
  segmentTasks: number | undefined,
  killWhen: (r: RunReport) => boolean,
  what: string,
): Promise<{ report: RunReport; atKill: RunReport; repo: string; executions: number }> {
  const address = process.env.FLOTILLA_TEST_TEMPORAL!;
  const repo = await makeSampleRepo();
  const env = {
    TEMPORAL_ADDRESS: address,
    FLOTILLA_TASK_QUEUE: `crash-${Date.now()}`,
    FLOTILLA_WORKTREES: fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-wt-')),
    FLOTILLA_STAND_IN_LATENCY_MS: '1500',
    FLOTILLA_STAND_IN: '1', // the stand-in model, whatever key the environment has
  };
  const connection = await Connection.connect({ address });
  const client = new Client({ connection });
  let worker = spawnWorker(env);
  try {
    const runId = `crash-${Date.now()}`;
    const handle = await startRun(
      client,
      runSettings(repo, { runId, ...(segmentTasks ? { segmentTasks } : {}) }),
      env.FLOTILLA_TASK_QUEUE,
    );
    // Each model turn takes 1.5 s, so an agent is mid-conversation when the worker dies without warning.
    const atKill = await waitForStatus(handle, (r) => r.tasks.some((t) => t.status === 'running') && killWhen(r), {
      what: `a running task and ${what}`,
      timeoutMs: 120_000,
    });
    worker.kill('SIGKILL');
    await new Promise((r) => worker.once('exit', r));
    worker = spawnWorker(env);
    const report = await handle.result();
    let executions = 0;
    for await (const _ of client.workflow.list({ query: `WorkflowId = '${handle.workflowId}'` })) executions++;
    return { report, atKill, repo, executions };
  } finally {
    if (worker.exitCode === null && worker.signalCode === null) {
      const exited = new Promise((r) => worker.once('exit', r));
      worker.kill('SIGKILL');
      await exited;
    }
    await connection.close();
  }
}

const ALL = [
  'Complete TASK-0001: Document add',
  'Complete TASK-0002: Document upper',
  'Complete TASK-0003: Document sub',
  'Complete TASK-0006: Add a shout helper',
];

/** One commit per passing task, and each change exactly once in the final tree: no edit was applied twice. */
async function expectNoDuplicates(repo: string, report: RunReport): Promise<void> {
  const git = simpleGit(repo);
  const subjects = (await git.raw(['log', '--format=%s', `${report.baseSha}..${report.branch}`])).trim().split('\n');
  expect(subjects.sort()).toEqual(ALL);
  const math = await git.show([`${report.branch}:src/math.js`]);
  expect(math.split('/** Adds two numbers. */').length - 1).toBe(1);
  expect(math.split('/** Subtracts b from a. */').length - 1).toBe(1);
  expect((await git.show([`${report.branch}:src/text.js`])).split('/** Upper-cases a string. */').length - 1).toBe(1);
}

describe('durability', () => {
  it('resumes after the worker is killed mid-run, with no duplicate commits', async () => {
    const { report, atKill, repo } = await crashAndResume(
      undefined,
      (r) => r.tasks.some((t) => t.status === 'committed'),
      'a committed task',
    );
    expect(atKill.status).toBe('running');
    expect(atKill.tasks.filter((t) => t.status === 'committed').length).toBeLessThan(4);
    expect(report.status).toBe('completed');
    expect(
      report.tasks
        .filter((t) => t.status === 'committed')
        .map((t) => t.id)
        .sort(),
    ).toEqual(['TASK-0001', 'TASK-0002', 'TASK-0003', 'TASK-0006']);
    await expectNoDuplicates(repo, report);
  }, 240_000);

  it('resumes a run cut into segments when the worker dies after it continued-as-new, with every task reported once', async () => {
    // Segments of one batch: the kill comes in segment 2 or later, after a continue-as-new.
    const { report, atKill, repo, executions } = await crashAndResume(
      1,
      (r) => (r.segment?.number ?? 1) >= 2,
      'segment 2 or later',
    );
    expect(atKill.segment?.number).toBeGreaterThanOrEqual(2);
    expect(report.status).toBe('completed');
    expect(executions).toBe(4);
    expect(report.counts).toMatchObject({ committed: 4, skipped: 2, running: 0, pending: 0 });
    const onDisk: RunReport = JSON.parse(
      fs.readFileSync(path.join(repo, '.flotilla/runs', report.runId, 'report.json'), 'utf8'),
    );
    expect(onDisk.tasks.map((t) => t.id).sort()).toEqual([
      'TASK-0001',
      'TASK-0002',
      'TASK-0003',
      'TASK-0004',
      'TASK-0005',
      'TASK-0006',
    ]);
    await expectNoDuplicates(repo, report);
  }, 240_000);
});
