import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  describeSandbox,
  resetBwrapAvailability,
  withSandboxPolicy,
  writeSandboxRecord,
} from '../../activities/sandbox';
import { bwrapArgs } from '../../activities/sandbox/wrap';
import { runShell } from '../../activities/test-runs/run-shell';
import { renderReview } from '../../activities/records/review-render';
import { sandboxLine } from '../../client/follow-run';
import type { RunReport } from '../../core/types';

describe('sandbox policy and reporting (issue 11)', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-sandbox-'));
  afterEach(() => {
    delete process.env.FLOTILLA_BWRAP;
    resetBwrapAvailability();
  });

  it('without bubblewrap: auto runs unsandboxed and says so, required fails with what to do', async () => {
    process.env.FLOTILLA_BWRAP = path.join(dir, 'no-such-bwrap');
    resetBwrapAvailability();
    expect(describeSandbox('auto')).toMatchObject({
      sandboxed: false,
      detail: expect.stringContaining('bubblewrap is not available'),
    });
    const log = path.join(dir, 'auto.log');
    const r = await withSandboxPolicy({ mode: 'auto', network: false }, () => runShell('echo hi', dir, log));
    expect(r).toMatchObject({ passed: true, sandboxed: false });
    expect(fs.readFileSync(log, 'utf8')).toContain('# NOT sandboxed');
    await expect(
      withSandboxPolicy({ mode: 'required', network: false }, () =>
        runShell('echo hi', dir, path.join(dir, 'req.log')),
      ),
    ).rejects.toThrow(/--sandbox required, but the sandbox is not available/);
  });

  it('says loudly in review.md and in run --wait when a run is not sandboxed', () => {
    const report = {
      runId: 'r1',
      repoPath: dir,
      status: 'completed',
      branch: null,
      baseSha: null,
      model: 'm',
      planPath: null,
      startedAt: '',
      batches: [],
      tasks: [],
      counts: {},
      usage: { inputTokens: 0, outputTokens: 0, cacheWriteTokens: 0, cacheReadTokens: 0 },
    } as unknown as RunReport;
    expect(renderReview(report, null, [], { sandboxed: false, detail: 'bubblewrap is not available (x)' })).toContain(
      '**NOT sandboxed**: bubblewrap is not available (x)',
    );
    expect(renderReview(report, null, [], { sandboxed: true, detail: 'bubblewrap 0.8.0: …' })).toContain(
      '- Sandbox: bubblewrap 0.8.0',
    );
    writeSandboxRecord(dir, 'r1', {
      mode: 'auto',
      network: false,
      sandboxed: false,
      detail: 'the sandbox is off (--sandbox off)',
    });
    expect(sandboxLine(dir, 'r1')).toBe(
      'WARNING: this run is NOT sandboxed: the sandbox is off (--sandbox off). See SECURITY.md.',
    );
    expect(sandboxLine(dir, 'no-such-run')).toBeUndefined();
  });

  it('hides homes, temp folders, other worktrees and .flotilla; keeps the worktree writable and .git read-only; no network by default', () => {
    const wt = path.join(dir, 'worktrees', 'run', 'TASK-1');
    fs.mkdirSync(wt, { recursive: true });
    fs.writeFileSync(path.join(wt, '.git'), 'gitdir: /nowhere\n');
    const args = bwrapArgs({ command: 'npm test', cwd: wt, network: false, hide: [path.join(dir, 'worktrees')] });
    const pairs = args.map((a, i) => `${a} ${args[i + 1]}`);
    expect(pairs).toEqual(
      expect.arrayContaining([
        '--tmpfs /tmp',
        '--tmpfs /home',
        `--bind ${fs.realpathSync(wt)}`,
        `--ro-bind ${path.join(fs.realpathSync(wt), '.git')}`,
        '--proc /proc',
      ]),
    );
    expect(args).toContain('--unshare-all');
    expect(args).not.toContain('--share-net');
    expect(args.slice(-3)).toEqual(['sh', '-c', 'npm test']);
    expect(bwrapArgs({ command: 'x', cwd: wt, network: true })).toContain('--share-net');
  });
});
