import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { describeTestRun, makeRunTestsTool, RUN_TESTS_TOOL } from '../../activities/agent/run-tests-tool';

describe('run_tests tool', () => {
  const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-rt-'));
  const logs = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-rt-logs-'));
  const logPath = (n: number) => path.join(logs, `run-${Math.random().toString(36).slice(2)}-${n}.log`);

  it('takes no command from the model: at most whether to run the whole suite', () => {
    expect(RUN_TESTS_TOOL.input_schema).toEqual({
      type: 'object',
      properties: { full: expect.objectContaining({ type: 'boolean' }) },
    });
  });

  it('returns the verdict and the tail of the output, in the worktree', async () => {
    const run = makeRunTestsTool({ command: 'pwd && echo all good', cwd, logPath });
    const r = await run();
    expect(r.isError).toBe(false);
    expect(r.content).toContain('Tests PASSED (exit code 0): pwd && echo all good');
    expect(r.content).toContain(fs.realpathSync(cwd));
    expect(r.content).toContain('all good');
  });

  it('is an error when the tests fail, and keeps only the end of a long output', async () => {
    const run = makeRunTestsTool({
      command: "for i in $(seq 1 3000); do echo noise $i; done; echo '✖ parser handles empty input'; exit 3",
      cwd,
      logPath,
    });
    const r = await run();
    expect(r.isError).toBe(true);
    expect(r.content).toMatch(/^Tests FAILED \(exit code 3\)/);
    expect(r.content).toContain('parser handles empty input');
    expect(r.content).not.toContain('noise 1\n');
    expect(r.content.length).toBeLessThan(5_000);
  });

  it("shows each new failure's block from the middle of the output and marks the base's red and flaky tests", () => {
    const output = [
      '  ● math › adds',
      '',
      '    Expected: 3',
      '    Received: 4',
      '',
      ...Array.from({ length: 200 }, (_, i) => `later noise ${i}`),
      'Tests: 1 failed',
    ].join('\n');
    const r = describeTestRun({
      command: 'npx jest test/math.test.ts',
      selection: 'related to src/math.ts: test/math.test.ts',
      exitCode: 1,
      verdict: {
        passed: false,
        failing: ['test/math.test.ts::math › adds'],
        preExisting: ['test/old.test.ts::old › broken'],
        flaky: ['test/net.test.ts::net › sometimes'],
        reason: '1 test went red',
      },
      output,
      tail: output.split('\n').slice(-60).join('\n'),
    });
    expect(r.isError).toBe(true);
    expect(r.content).toContain('Tests chosen: related to src/math.ts: test/math.test.ts');
    expect(r.content).toContain('Failing because of this change: test/math.test.ts::math › adds');
    expect(r.content).toContain(
      '### test/math.test.ts::math › adds\n● math › adds\n\n    Expected: 3\n    Received: 4',
    );
    expect(r.content).toContain(
      'Already failing at the base (not caused by you; leave them): test/old.test.ts::old › broken',
    );
    expect(r.content).toContain('Flaky at the base (never blamed on you): test/net.test.ts::net › sometimes');
  });

  it("runs the gate's selection: the tests related to the edited files, not the whole suite", async () => {
    const repo = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-rt-repo-'));
    fs.mkdirSync(path.join(repo, 'src'));
    fs.mkdirSync(path.join(repo, 'test'));
    fs.writeFileSync(path.join(repo, 'package.json'), JSON.stringify({ name: 'x', scripts: { test: 'node --test' } }));
    fs.writeFileSync(path.join(repo, 'src/a.js'), 'exports.a = () => 1;\n');
    fs.writeFileSync(path.join(repo, 'src/b.js'), 'exports.b = () => 2;\n');
    fs.writeFileSync(
      path.join(repo, 'test/a.test.js'),
      "const t = require('node:test'); const { a } = require('../src/a'); t.test('a', () => { if (a() !== 1) throw new Error('a broke'); });\n",
    );
    fs.writeFileSync(
      path.join(repo, 'test/b.test.js'),
      "const t = require('node:test'); const { b } = require('../src/b'); t.test('b', () => { if (b() !== 2) throw new Error('b broke'); });\n",
    );
    execFileSync('git', ['init', '-q'], { cwd: repo });
    execFileSync('git', ['add', '-A'], { cwd: repo });
    fs.writeFileSync(path.join(repo, 'src/b.js'), 'exports.b = () => 3;\n'); // b's test is red, but the change is to a
    const run = makeRunTestsTool({ command: 'npm test', cwd: repo, logPath, edited: () => ['src/a.js'] });
    const r = await run();
    expect(r.content).toContain('test/a.test.js');
    expect(r.content).toContain('Tests PASSED');
    const full = await run({ full: true });
    expect(full.isError).toBe(true);
    expect(full.content).toContain('b broke');
  }, 60_000);
});
