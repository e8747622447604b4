import * as fs from 'node:fs';
import * as path from 'node:path';
import { simpleGit } from 'simple-git';
import { startRun } from '../../client/start-run';
import { runSettings } from '../helpers/run-helpers';
import { makeSampleRepo } from '../helpers/sample-repo';
import { useTestWorker } from '../helpers/test-worker';

// Every kind of trouble the API and a model can cause, each aimed at one task of the sample run.
const worker = useTestWorker({
  faults: [
    { kind: 'rate_limit', taskId: 'TASK-0001', retryAfterSeconds: 1 },
    { kind: 'truncated_tool_call', taskId: 'TASK-0001' },
    { kind: 'drop_connection', taskId: 'TASK-0002' },
    { kind: 'malformed_tool_input', taskId: 'TASK-0002' },
    { kind: 'overloaded', taskId: 'TASK-0003' },
    { kind: 'outside_path', taskId: 'TASK-0003' },
    { kind: 'server_error', taskId: 'TASK-0006' },
    { kind: 'thinking', taskId: 'TASK-0006' },
  ],
});

describe('a whole run against a hostile stand-in model', () => {
  it('ends with the same commits as a calm run, nothing written outside the worktrees, nothing applied twice', async () => {
    const repo = await makeSampleRepo();
    const runId = `faulty-${Date.now()}`;
    const report = await (
      await startRun(worker().client, runSettings(repo, { runId, attempts: 2 }), worker().taskQueue)
    ).result();
    expect(report.status).toBe('completed');
    expect(
      report.tasks
        .filter((t) => t.status === 'committed')
        .map((t) => t.id)
        .sort(),
    ).toEqual(['TASK-0001', 'TASK-0002', 'TASK-0003', 'TASK-0006']);
    expect(
      worker()
        .standIn.fired.map((f) => f.kind)
        .sort(),
    ).toEqual([
      'drop_connection',
      'malformed_tool_input',
      'outside_path',
      'overloaded',
      'rate_limit',
      'server_error',
      'thinking',
      'truncated_tool_call',
    ]);
    const math = await simpleGit(repo).show([`${report.branch}:src/math.js`]);
    expect(math.split('/** Adds two numbers. */').length - 1).toBe(1);
    expect(math.split('/** Subtracts b from a. */').length - 1).toBe(1);
    for (const dir of [path.dirname(repo), worker().worktreeRoot, path.join(worker().worktreeRoot, runId)]) {
      expect(fs.existsSync(path.join(dir, 'outside.txt'))).toBe(false);
    }
  });
});
