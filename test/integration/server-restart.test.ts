import { Client, Connection } from '@temporalio/client';
import { type ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { simpleGit } from 'simple-git';
import type { RunReport } from '../../core/types';
import { startRun } from '../../client/start-run';
import { freePort, startDevServer } from '../../dev/temporal-server';
import { runSettings, waitForStatus } from '../helpers/run-helpers';
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
    const env = {
      ...process.env,
      TEMPORAL_ADDRESS: server.address,
      FLOTILLA_TASK_QUEUE: taskQueue,
      FLOTILLA_WORKTREES: path.join(state, 'wt'),
      FLOTILLA_STAND_IN_LATENCY_MS: '700',
      FLOTILLA_STAND_IN: '1',
    };
    const worker: ChildProcess = spawn(process.execPath, [CLI, 'worker'], { env, stdio: ['ignore', log, log] });
    fs.closeSync(log); // the child has its own copy
    let connection = await Connection.connect({ address: server.address });
    try {
      const runId = `restart-${Date.now()}`;
      const handle = await startRun(new Client({ connection }), runSettings(repo, { runId }), taskQueue);
      const before = await waitForStatus(handle, (r) => r.tasks.some((t) => t.status === 'committed'), {
        what: 'a committed task before the server is killed',
        timeoutMs: 120_000,
      });
      expect(before.status).toBe('running');
      // Kill the server without warning; the worker keeps running and must reconnect.
      server.process!.kill('SIGKILL');
      await new Promise((r) => server.process!.once('exit', r));
      await connection.close();
      // A real delay, not a synchronisation: the server stays down a while, so the worker's polls fail and it must reconnect.
      await sleep(2000);
      server = await startDevServer({ port, dbFile, headless: true });
      connection = await Connection.connect({ address: server.address });
      const report: RunReport = await new Client({ connection }).workflow.getHandle(`flotilla-${runId}`).result();
      expect(report.status).toBe('completed');
      expect(
        report.tasks
          .filter((t) => t.status === 'committed')
          .map((t) => t.id)
          .sort(),
      ).toEqual(['TASK-0001', 'TASK-0002', 'TASK-0003', 'TASK-0006']);
      const subjects = (await simpleGit(repo).raw(['log', '--format=%s', `${report.baseSha}..${report.branch}`]))
        .trim()
        .split('\n');
      expect(subjects).toHaveLength(4);
    } finally {
      const exited = new Promise((r) =>
        worker.exitCode === null && worker.signalCode === null ? worker.once('exit', r) : r(null),
      );
      worker.kill('SIGKILL');
      await exited;
      await connection.close().catch(() => undefined);
      await server.stop();
    }
  }, 300_000);
});
