import { Client, Connection } from '@temporalio/client';
import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { simpleGit } from 'simple-git';
import type { RunReport } from '../../core/types';
import { startRun } from '../../client/start-run';
import { freePort, startDevServer } from '../../dev/temporal-server';
import { statusQuery } from '../../workflows/run-messages';
import { makeSampleRepo } from '../helpers/sample-repo';

const CLI = path.resolve(__dirname, '../../bin/flotilla.js');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('durability', () => {
  it('resumes after the Temporal server is killed mid-run and started again on the same database', async () => {
    const state = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-restart-'));
    const dbFile = path.join(state, 'temporal.db');
    const port = await freePort();
    let server = await startDevServer({ port, dbFile, headless: true });
    const repo = await makeSampleRepo();
    const taskQueue = `restart-${Date.now()}`;
    const log = fs.openSync(path.join(state, 'worker.log'), 'w');
    const env = { ...process.env, TEMPORAL_ADDRESS: server.address, FLOTILLA_TASK_QUEUE: taskQueue, FLOTILLA_WORKTREES: path.join(state, 'wt'), FLOTILLA_STAND_IN_LATENCY_MS: '700', ANTHROPIC_API_KEY: '' };
    const worker: ChildProcess = spawn(process.execPath, [CLI, 'worker'], { env, stdio: ['ignore', log, log] });
    let connection = await Connection.connect({ address: server.address });
    try {
      const runId = `restart-${Date.now()}`;
      const handle = await startRun(new Client({ connection }), { runId, repoPath: repo, model: 'claude-haiku-4-5', maxParallel: 4, attempts: 1, maxTurns: 10, sequentialRisk: 'high' }, taskQueue);
      let before: RunReport | null = null;
      for (let i = 0; i < 600 && !before?.tasks.some((t) => t.status === 'committed'); i++) {
        before = await handle.query(statusQuery).catch(() => null);
        await sleep(100);
      }
      expect(before?.status).toBe('running');
      // Kill the server without warning; the worker keeps running and must reconnect.
      server.process!.kill('SIGKILL');
      await new Promise((r) => server.process!.once('exit', r));
      await connection.close();
      await sleep(2000);
      server = await startDevServer({ port, dbFile, headless: true });
      connection = await Connection.connect({ address: server.address });
      const report: RunReport = await new Client({ connection }).workflow.getHandle(`flotilla-${runId}`).result();
      expect(report.status).toBe('completed');
      expect(report.tasks.filter((t) => t.status === 'committed').map((t) => t.id).sort()).toEqual(['TASK-0001', 'TASK-0002', 'TASK-0003', 'TASK-0006']);
      const subjects = (await simpleGit(repo).raw(['log', '--format=%s', `${report.baseSha}..${report.branch}`])).trim().split('\n');
      expect(subjects).toHaveLength(4);
    } finally {
      worker.kill('SIGKILL');
      await connection.close().catch(() => undefined);
      await server.stop();
    }
  }, 300_000);
});
