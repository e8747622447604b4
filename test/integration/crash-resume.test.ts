import { Client, Connection } from '@temporalio/client';
import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { simpleGit } from 'simple-git';
import type { RunReport } from '../../activities/types';
import { startRun } from '../../client/start-run';
import { statusQuery } from '../../workflows/run-messages';
import { makeSampleRepo } from '../helpers/sample-repo';

const CLI = path.resolve(__dirname, '../../bin/flotilla.js');

/** A real worker process (the CLI's `flotilla worker`), so it can be killed with SIGKILL mid-run. */
function spawnWorker(env: NodeJS.ProcessEnv): ChildProcess {
  const log = fs.openSync(path.join(os.tmpdir(), `flotilla-crash-worker-${Date.now()}.log`), 'w');
  return spawn(process.execPath, [CLI, 'worker'], { env: { ...process.env, ...env }, stdio: ['ignore', log, log] });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('durability', () => {
  it('resumes after the worker is killed mid-run, with no duplicate commits', async () => {
    const address = process.env.FLOTILLA_TEST_TEMPORAL!;
    const repo = await makeSampleRepo();
    const env = {
      TEMPORAL_ADDRESS: address,
      FLOTILLA_TASK_QUEUE: `crash-${Date.now()}`,
      FLOTILLA_WORKTREES: fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-wt-')),
      FLOTILLA_STAND_IN_LATENCY_MS: '1500',
      ANTHROPIC_API_KEY: '',
    };
    const connection = await Connection.connect({ address });
    const client = new Client({ connection });
    let worker = spawnWorker(env);
    try {
      const runId = `crash-${Date.now()}`;
      const handle = await startRun(client, { runId, repoPath: repo, model: 'claude-haiku-4-5', maxParallel: 4, attempts: 1, maxTurns: 10, sequentialRisk: 'high' }, env.FLOTILLA_TASK_QUEUE);
      // Wait until a task is on the run branch and another is running (its agent mid-conversation: each
      // model turn takes 1.5 s), then kill the worker without warning.
      let atKill: RunReport | null = null;
      const midAgent = (r: RunReport | null) => !!r?.tasks.some((t) => t.status === 'committed') && r.tasks.some((t) => t.status === 'running');
      for (let i = 0; i < 600 && !midAgent(atKill); i++) {
        atKill = await handle.query(statusQuery).catch(() => null);
        await sleep(100);
      }
      worker.kill('SIGKILL');
      await new Promise((r) => worker.once('exit', r));
      expect(atKill?.status).toBe('running');
      expect(atKill?.tasks.filter((t) => t.status === 'committed').length).toBeLessThan(4);

      worker = spawnWorker(env);
      const report = await handle.result();
      expect(report.status).toBe('completed');
      expect(report.tasks.filter((t) => t.status === 'committed').map((t) => t.id).sort()).toEqual(['TASK-0001', 'TASK-0002', 'TASK-0003', 'TASK-0006']);
      const subjects = (await simpleGit(repo).raw(['log', '--format=%s', `${report.baseSha}..${report.branch}`])).trim().split('\n');
      expect(subjects.sort()).toEqual(['Complete TASK-0001: Document add', 'Complete TASK-0002: Document upper', 'Complete TASK-0003: Document sub', 'Complete TASK-0006: Add a shout helper']);
      // No edit was applied twice: each change appears exactly once in the final tree.
      const git = simpleGit(repo);
      const math = await git.show([`${report.branch}:src/math.js`]);
      expect(math.split('/** Adds two numbers. */').length - 1).toBe(1);
      expect(math.split('/** Subtracts b from a. */').length - 1).toBe(1);
      expect((await git.show([`${report.branch}:src/text.js`])).split('/** Upper-cases a string. */').length - 1).toBe(1);
    } finally {
      worker.kill('SIGKILL');
      await connection.close();
    }
  }, 240_000);
});
