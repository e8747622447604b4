import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { simpleGit } from 'simple-git';
import { makeSampleRepo } from '../helpers/sample-repo';

type Worktrees = typeof import('../../activities/git/worktrees');

/** A second, independent copy of the worktree module: its in-process lock knows nothing of the first one's. */
function moduleInstance(): Worktrees {
  let m: Worktrees | undefined;
  jest.isolateModules(() => {
    m = require('../../activities/git/worktrees');
  });
  return m!;
}

/** `count` worktrees made, checked and removed at once by one "worker". */
async function churn(
  w: Worktrees,
  repo: string,
  root: string,
  prefix: string,
  sha: string,
  count: number,
): Promise<void> {
  await Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const wt = path.join(root, `${prefix}-${i}`);
      const git = await w.freshWorktree(repo, wt, sha);
      expect((await git.revparse(['HEAD'])).trim()).toBe(sha);
      expect(fs.existsSync(path.join(wt, 'src/math.js'))).toBe(true);
      await w.removeWorktree(repo, wt);
      expect(fs.existsSync(wt)).toBe(false);
    }),
  );
}

describe('worktree administration under parallelism', () => {
  it('16 concurrent freshWorktree/removeWorktree calls from each of two module instances and a second process all succeed', async () => {
    const repo = await makeSampleRepo();
    const sha = (await simpleGit(repo).revparse(['HEAD'])).trim();
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-wt-lock-'));
    // The other process: the same module loaded through tsx, churning its own 16 worktrees of the same repository.
    const script = path.join(root, 'churn.ts');
    const modulePath = path.resolve(__dirname, '../../activities/git/worktrees');
    fs.writeFileSync(
      script,
      `import { freshWorktree, removeWorktree } from ${JSON.stringify(modulePath)};\n` +
        `Promise.all(Array.from({ length: 16 }, async (_, i) => { const wt = ${JSON.stringify(root)} + '/proc-' + i; await freshWorktree(${JSON.stringify(repo)}, wt, ${JSON.stringify(sha)}); await removeWorktree(${JSON.stringify(repo)}, wt); }))` +
        `.then(() => process.exit(0), (e) => { console.error(e); process.exit(1); });\n`,
    );
    const other = new Promise<{ code: number | null; err: string }>((resolve) => {
      const p = spawn(process.execPath, [require.resolve('tsx/cli'), script], { stdio: ['ignore', 'ignore', 'pipe'] });
      let err = '';
      p.stderr.on('data', (d) => (err += d));
      p.on('close', (code) => resolve({ code, err }));
    });
    const a = moduleInstance();
    const b = moduleInstance();
    await Promise.all([churn(a, repo, root, 'a', sha, 16), churn(b, repo, root, 'b', sha, 16)]);
    const proc = await other;
    expect(proc.err).toBe('');
    expect(proc.code).toBe(0);
    // Every registration is gone with its worktree, and no lock is left behind.
    expect((await simpleGit(repo).raw(['worktree', 'list', '--porcelain'])).match(/^worktree /gm)).toHaveLength(1);
    expect(fs.existsSync(path.join(repo, '.git', 'flotilla-worktrees.lock'))).toBe(false);
  });

  it('takes over a lock left by a crashed holder (a dead process)', async () => {
    const repo = await makeSampleRepo();
    const sha = (await simpleGit(repo).revparse(['HEAD'])).trim();
    const lock = path.join(repo, '.git', 'flotilla-worktrees.lock');
    fs.mkdirSync(lock);
    // A pid that is not running: a process that exited.
    const dead = await new Promise<number>((resolve) => {
      const p = spawn(process.execPath, ['-e', '0']);
      p.on('close', () => resolve(p.pid!));
    });
    fs.writeFileSync(
      path.join(lock, 'owner.json'),
      JSON.stringify({ pid: dead, host: os.hostname(), token: 'crashed' }),
    );
    const w = moduleInstance();
    const wt = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-wt-stale-')), 'TASK-0001');
    const started = Date.now();
    await w.freshWorktree(repo, wt, sha);
    expect(Date.now() - started).toBeLessThan(10_000);
    await w.removeWorktree(repo, wt);
    expect(fs.existsSync(lock)).toBe(false);
  });

  it('takes over a lock nobody refreshed for longer than STALE_MS (a holder on another machine that died)', async () => {
    const repo = await makeSampleRepo();
    const sha = (await simpleGit(repo).revparse(['HEAD'])).trim();
    const lock = path.join(repo, '.git', 'flotilla-worktrees.lock');
    fs.mkdirSync(lock);
    fs.writeFileSync(path.join(lock, 'owner.json'), JSON.stringify({ pid: 1, host: 'elsewhere', token: 'remote' }));
    const { STALE_MS } = require('../../activities/git/admin-lock') as typeof import('../../activities/git/admin-lock');
    const old = new Date(Date.now() - STALE_MS - 5000);
    fs.utimesSync(lock, old, old);
    const w = moduleInstance();
    const wt = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-wt-stale-')), 'TASK-0002');
    await w.freshWorktree(repo, wt, sha);
    await w.removeWorktree(repo, wt);
    expect(fs.existsSync(lock)).toBe(false);
  });

  it("removes only its own registration, even when the worktree's .git file was rewritten to name another one", async () => {
    const repo = await makeSampleRepo();
    const sha = (await simpleGit(repo).revparse(['HEAD'])).trim();
    const w = moduleInstance();
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-wt-own-'));
    const [a, b, c] = ['TASK-0001', 'TASK-0002', 'TASK-0003'].map((id) => path.join(root, id));
    for (const wt of [a, b, c]) await w.freshWorktree(repo, wt, sha);
    const listed = async () =>
      (await simpleGit(repo).raw(['worktree', 'list', '--porcelain']))
        .match(/^worktree .*/gm)!
        .map((l) => l.slice(9))
        .sort();
    await w.removeWorktree(repo, a);
    expect(await listed()).toEqual([repo, b, c].map((p) => fs.realpathSync(p)).sort());
    // A hostile test in c points c's .git at b's registration: removing c must leave b registered and working.
    fs.writeFileSync(path.join(c, '.git'), fs.readFileSync(path.join(b, '.git'), 'utf8'));
    await w.removeWorktree(repo, c);
    expect(fs.existsSync(c)).toBe(false);
    expect(await listed()).toEqual([repo, b].map((p) => fs.realpathSync(p)).sort());
    expect((await simpleGit(b).revparse(['HEAD'])).trim()).toBe(sha);
  });
});
