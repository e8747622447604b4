import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileLine, sdkLogFunction, terminalLine } from '../../client/sdk-log';

const failed = () => {
  const error = new Error('tests failed: 2 of 40\n    at runTests (/x/y.ts:1:2)\n');
  error.stack = `Error: tests failed: 2 of 40\n    at runTests (/x/y.ts:1:2)\n    at Activity.execute (/z.js:3:4)`;
  return {
    level: 'WARN' as const,
    message: 'Activity failed',
    meta: {
      attempt: 2,
      activityType: 'runAgent',
      workflowId: 'flotilla-r1/TASK-0007',
      taskToken: 'CiQ5ZjM…',
      error,
      durationMs: 12,
    },
    timestampNanos: 1_700_000_000_000_000_000n,
  };
};

describe('the Temporal SDK log', () => {
  it('a failed activity is one terminal line: type, workflow, attempt, the first line of the error; no stack, no task token', () => {
    const line = terminalLine(failed())!;
    expect(line).toBe(
      'activity runAgent of flotilla-r1/TASK-0007 failed (attempt 2): tests failed: 2 of 40; Temporal retries it if its retry policy allows',
    );
    expect(line).not.toMatch(/\n|taskToken|CiQ5| at /);
  });

  it('other warnings are one line; info and the expected "No workflows registered" stay in the file', () => {
    expect(
      terminalLine({ level: 'WARN', message: 'Worker lost\nmore', meta: { error: new Error('gone\n at x') } }),
    ).toBe('Temporal SDK warn: Worker lost: gone');
    expect(
      terminalLine({ level: 'WARN', message: 'No workflows registered, not polling for workflow tasks' }),
    ).toBeNull();
    expect(terminalLine({ level: 'INFO', message: 'Worker state changed' })).toBeNull();
  });

  it('the file gets every entry with its metadata and the whole stack', () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-sdk-log-')), 'logs', 'worker.log');
    const terminal: string[] = [];
    const log = sdkLogFunction(file, (l) => terminal.push(l));
    log(failed());
    log({
      level: 'INFO',
      message: 'Worker state changed',
      meta: { state: 'RUNNING' },
      timestampNanos: 1_700_000_000_000_000_000n,
    });
    const text = fs.readFileSync(file, 'utf8');
    expect(text.trim().split('\n')).toHaveLength(2);
    expect(text).toContain('2023-11-14T22:13:20.000Z WARN Activity failed {');
    expect(text).toContain('at Activity.execute');
    expect(text).toContain('"state":"RUNNING"');
    expect(terminal).toHaveLength(1);
    expect(fileLine(failed())).toMatch(/\n$/);
  });
});

describe('warnings of the SDK core', () => {
  it('reach the terminal at most once a minute, each entry still in the file', () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-sdk-log-')), 'worker.log');
    const terminal: string[] = [];
    let t = 0;
    const log = sdkLogFunction(file, (l) => terminal.push(l), { now: () => t });
    const retry = {
      level: 'WARN' as const,
      message: 'gRPC call poll_activity_task_queue retried 6 times',
      meta: { sdkComponent: 'core', target: 'temporalio_client::retry' },
      timestampNanos: 0n,
    };
    log(retry);
    t = 30_000;
    log(retry);
    t = 61_000;
    log(retry);
    expect(terminal).toEqual([
      `Temporal SDK warn: gRPC call poll_activity_task_queue retried 6 times (more in ${file})`,
      `Temporal SDK warn: gRPC call poll_activity_task_queue retried 6 times (more in ${file})`,
    ]);
    expect(fs.readFileSync(file, 'utf8').trim().split('\n')).toHaveLength(3);
  });
});
