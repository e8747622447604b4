import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { changedPaths, Git, GitError } from '../../activities/git/git';

function repo(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-git-process-'));
  const git = (...a: string[]) => execFileSync('git', a, { cwd: dir });
  git('init', '-q');
  fs.writeFileSync(path.join(dir, 'a.txt'), 'a\n');
  fs.writeFileSync(path.join(dir, 'b.txt'), 'b\n');
  git('add', '-A');
  git('-c', 'user.name=T', '-c', 'user.email=t@x', 'commit', '-qm', 'init');
  return dir;
}

describe('Git (one process per command)', () => {
  it('answers with stdout untrimmed, and revparse trimmed', async () => {
    const git = new Git(repo());
    expect(await git.raw(['rev-parse', 'HEAD'])).toMatch(/^[0-9a-f]{40}\n$/);
    expect(await git.revparse(['HEAD'])).toMatch(/^[0-9a-f]{40}$/);
  });

  it('rejects with what git printed when it fails, and resolves a silent non-zero exit (diff --quiet)', async () => {
    const dir = repo();
    const git = new Git(dir);
    const err = await git.raw(['rev-parse', '--verify', 'no-such-branch']).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GitError);
    expect((err as GitError).message).toContain('fatal: Needed a single revision');
    expect((err as GitError).exitCode).toBe(128);
    fs.appendFileSync(path.join(dir, 'a.txt'), 'more\n');
    expect(await git.raw(['diff', '--quiet'])).toBe('');
  });

  it('passes -c config before the command (a committer for a repository without one)', async () => {
    const dir = repo();
    fs.appendFileSync(path.join(dir, 'a.txt'), 'more\n');
    const git = new Git(dir, ['user.name=Config Name', 'user.email=config@x']);
    await git.raw(['commit', '-qam', 'second']);
    expect((await git.raw(['log', '-1', '--format=%an <%ae>'])).trim()).toBe('Config Name <config@x>');
  });

  it('ignores git variables of the environment it was started from (GIT_DIR, GIT_INDEX_FILE)', async () => {
    const dir = repo();
    const other = repo();
    const saved = { dir: process.env.GIT_DIR, index: process.env.GIT_INDEX_FILE };
    process.env.GIT_DIR = path.join(other, '.git');
    process.env.GIT_INDEX_FILE = path.join(other, 'elsewhere-index');
    try {
      const ownHead = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: dir, env: { ...process.env, GIT_DIR: path.join(dir, '.git') } }).toString().trim();
      expect(await new Git(dir).revparse(['HEAD'])).toBe(ownHead);
      expect(await new Git(dir).raw(['status', '--porcelain'])).toBe('');
    } finally {
      if (saved.dir === undefined) delete process.env.GIT_DIR;
      else process.env.GIT_DIR = saved.dir;
      if (saved.index === undefined) delete process.env.GIT_INDEX_FILE;
      else process.env.GIT_INDEX_FILE = saved.index;
    }
  });

  it('refuses a folder that does not exist, naming it', () => {
    expect(() => new Git('/no/such/folder')).toThrow('Cannot run git in /no/such/folder: the folder does not exist');
  });

  it('changedPaths lists edits, new files in new folders and a rename (by its new name) once each', async () => {
    const dir = repo();
    const git = new Git(dir);
    fs.appendFileSync(path.join(dir, 'a.txt'), 'more\n');
    fs.mkdirSync(path.join(dir, 'new dir'));
    fs.writeFileSync(path.join(dir, 'new dir', 'c d.txt'), 'c\n');
    await git.raw(['mv', 'b.txt', 'renamed.txt']);
    expect(await changedPaths(git)).toEqual(['a.txt', 'new dir/c d.txt', 'renamed.txt']);
  });
});
