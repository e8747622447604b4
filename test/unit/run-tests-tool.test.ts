import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { makeRunTestsTool, RUN_TESTS_TOOL } from '../../activities/agent/run-tests-tool';

describe('run_tests tool', () => {
  const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-rt-'));
  const logs = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-rt-logs-'));
  const logPath = (n: number) => path.join(logs, `run-${n}.log`);

  it('takes no input: the command is fixed by the task', () => {
    expect(RUN_TESTS_TOOL.input_schema).toEqual({ type: 'object', properties: {} });
  });

  it('returns the exit code and the tail of the output, in the worktree', async () => {
    const run = makeRunTestsTool({ command: 'pwd && echo all good', cwd, logPath });
    const r = await run();
    expect(r.isError).toBe(false);
    expect(r.content).toContain('Tests passed (exit code 0): pwd && echo all good');
    expect(r.content).toContain(fs.realpathSync(cwd));
    expect(r.content).toContain('all good');
    expect(fs.existsSync(logPath(1))).toBe(true);
  });

  it('is an error when the tests fail, and keeps only the end of a long output', async () => {
    const run = makeRunTestsTool({ command: "for i in $(seq 1 3000); do echo noise $i; done; echo '✖ parser handles empty input'; exit 3", cwd, logPath });
    const r = await run();
    expect(r.isError).toBe(true);
    expect(r.content).toMatch(/^Tests FAILED \(exit code 3\)/);
    expect(r.content).toContain('parser handles empty input');
    expect(r.content).not.toContain('noise 1\n');
    expect(r.content.length).toBeLessThan(5_000);
    expect(fs.existsSync(logPath(1))).toBe(true);
  });
});
