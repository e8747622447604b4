import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runShell } from '../../activities/test-runs/run-shell';
import { withSandboxPolicy } from '../../activities/sandbox';

describe('runShell (issue 11)', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-run-shell-'));
  const wt = path.join(dir, 'wt');
  fs.mkdirSync(wt);

  it.each(['auto', 'off'] as const)(
    'keeps a bounded part of a large output in memory, and in the log its start up to the cap and its tail (sandbox %s)',
    async (mode) => {
      const log = path.join(dir, `big-${mode}.log`);
      const cmd = `node -e "const s='x'.repeat(1023)+'\\n'; for (let i = 0; i < 20 * 1024; i++) process.stdout.write(s); console.log('not ok 1 - the last test')"; exit 1`;
      process.env.FLOTILLA_LOG_CAP_BYTES = String(1024 * 1024);
      const r = await withSandboxPolicy({ mode, network: false }, () => runShell(cmd, wt, log)).finally(
        () => delete process.env.FLOTILLA_LOG_CAP_BYTES,
      );
      expect(r.exitCode).toBe(1);
      // 20 MB of output: the log holds the first 1 MB, a note, and the last 256 KB (issue 22: bounded disk).
      expect(fs.statSync(log).size).toBeGreaterThan(1024 * 1024);
      expect(fs.statSync(log).size).toBeLessThan(1024 * 1024 + 256 * 1024 + 4096);
      const text = fs.readFileSync(log, 'utf8');
      expect(text).toMatch(/# … log cap \(1048576 bytes\) reached: \d+ bytes of output not logged/);
      expect(text).toMatch(/not ok 1 - the last test\n\n# exit code 1\n$/);
      expect(r.tail.length).toBeLessThanOrEqual(6000);
      expect(r.failingTests).toEqual(['the last test']);
    },
    30_000,
  );

  it('kills what the command leaves behind, and resolves only when it is gone', async () => {
    const started = Date.now();
    const r = await withSandboxPolicy({ mode: 'off', network: false }, () =>
      runShell('sleep 30 & echo started', wt, path.join(dir, 'bg.log')),
    );
    expect(r.passed).toBe(true);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('kills the whole process group on cancellation and then rejects', async () => {
    const ac = new AbortController();
    const marker = path.join(wt, 'still-running');
    setTimeout(() => ac.abort(new Error('cancelled by the test')), 500);
    await expect(
      withSandboxPolicy({ mode: 'off', network: false }, () =>
        runShell(`sh -c 'sleep 2; touch ${marker}' & sleep 30`, wt, path.join(dir, 'cancel.log'), {
          signal: ac.signal,
        }),
      ),
    ).rejects.toThrow('cancelled by the test');
    await new Promise((r) => setTimeout(r, 2500));
    expect(fs.existsSync(marker)).toBe(false);
  });

  it('redacts the API key and key-shaped text from what it returns', async () => {
    const key = 'sk-ant-api03-' + 'k'.repeat(40);
    const r = await withSandboxPolicy({ mode: 'off', network: false }, () =>
      runShell(`echo "token ${key} and https://user:pw@proxy.example/v1"; exit 3`, wt, path.join(dir, 'redact.log')),
    );
    expect(r.tail).not.toContain(key);
    expect(r.tail).toContain('token [redacted] and https://proxy.example/v1');
  });
});

describe('the logs of one run share a budget (issue 22)', () => {
  const repo = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-log-budget-'));
  const logs = path.join(repo, '.flotilla', 'runs', 'r1', 'logs');
  afterEach(() => {
    delete process.env.FLOTILLA_LOG_CAP_BYTES;
    delete process.env.FLOTILLA_RUN_LOG_BUDGET_BYTES;
  });

  it('caps each command at what the earlier logs of its run left, keeping every tail', async () => {
    process.env.FLOTILLA_LOG_CAP_BYTES = String(1024 * 1024);
    process.env.FLOTILLA_RUN_LOG_BUDGET_BYTES = String(2 * 1024 * 1024);
    const cmd = (n: number) =>
      `node -e "const s='y'.repeat(1023)+'\\n'; for (let i = 0; i < 1536; i++) process.stdout.write(s); console.log('END OF ${n}')"`;
    const sizes: number[] = [];
    for (let n = 1; n <= 4; n++) {
      const log = path.join(logs, n % 2 ? 'tasks' : '', `c${n}.log`);
      await withSandboxPolicy({ mode: 'off', network: false }, () => runShell(cmd(n), repo, log));
      sizes.push(fs.statSync(log).size);
      expect(fs.readFileSync(log, 'utf8')).toContain(`END OF ${n}\n`);
    }
    // 1.5 MB each: the first up to the per-command cap (1 MB) and a 256 KB tail, the second up to what is left; then the run's 2 MB is spent.
    expect(sizes[0]).toBeGreaterThan(1024 * 1024);
    expect(sizes[0]).toBeLessThan(1024 * 1024 + 300 * 1024);
    expect(sizes[2]).toBeLessThan(64 * 1024 + 300 * 1024);
    expect(sizes[3]).toBeLessThan(64 * 1024 + 300 * 1024);
    expect(sizes[1]).toBeLessThan(sizes[0]);
    // The budget, plus each command's kept tail (and the least every log gets).
    const total = sizes.reduce((a, b) => a + b, 0);
    expect(total).toBeLessThan(2 * 1024 * 1024 + 4 * 300 * 1024 + 2 * 64 * 1024);
  }, 60_000);
});
