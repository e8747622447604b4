import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { changedPaths, Git, GitError } from '../../activities/git/git';
import { runGit } from '../../activities/git/git-process';
import { launch } from '../../activities/process-launcher';

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
      const ownHead = execFileSync('git', ['rev-parse', 'HEAD'], {
        cwd: dir,
        env: { ...process.env, GIT_DIR: path.join(dir, '.git') },
      })
        .toString()
        .trim();
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

  it("never runs the repository's hooks (husky's core.hooksPath points into the work tree an agent edits)", async () => {
    const dir = repo();
    const ran = path.join(os.tmpdir(), `flotilla-hook-ran-${Date.now()}`);
    fs.mkdirSync(path.join(dir, '.husky'));
    for (const hook of ['post-checkout', 'post-commit', 'reference-transaction', 'post-index-change']) {
      fs.writeFileSync(path.join(dir, '.husky', hook), `#!/bin/sh\necho ${hook} >> ${ran}\n`, { mode: 0o755 });
    }
    execFileSync('git', ['config', 'core.hooksPath', '.husky'], { cwd: dir });
    // The hooks work when git runs them: the test would see them.
    execFileSync(
      'git',
      ['-c', 'user.name=T', '-c', 'user.email=t@x', 'commit', '-q', '--allow-empty', '-m', 'hooked'],
      { cwd: dir },
    );
    expect(fs.readFileSync(ran, 'utf8')).toContain('post-commit');
    fs.rmSync(ran);
    const git = new Git(dir, ['user.name=T', 'user.email=t@x']);
    await git.raw(['commit', '-q', '--allow-empty', '-m', 'through Flotilla']);
    await git.raw(['checkout', '-q', '-b', 'other']);
    await git.raw(['worktree', 'add', '-q', path.join(dir, '..', `${path.basename(dir)}-wt`), 'HEAD']);
    expect(fs.existsSync(ran)).toBe(false);
  });

  it('gives git no credentials: no secret-named variable, none holding the API key', async () => {
    const dir = repo();
    const saved = { key: process.env.ANTHROPIC_API_KEY, token: process.env.NPM_TOKEN, other: process.env.MY_SETTING };
    process.env.ANTHROPIC_API_KEY = 'sk-ant-test-secret-value';
    process.env.NPM_TOKEN = 'npm-secret';
    process.env.MY_SETTING = 'prefix sk-ant-test-secret-value';
    try {
      // git's own view of its environment: an alias that runs a shell command prints what the shell sees.
      const env = await new Git(dir, ['alias.env=!env']).raw(['env']);
      expect(env).toContain('GIT_TERMINAL_PROMPT=0');
      expect(env).not.toContain('sk-ant-test-secret-value');
      expect(env).not.toContain('NPM_TOKEN');
      expect(env).not.toContain('MY_SETTING');
    } finally {
      for (const [name, value] of [
        ['ANTHROPIC_API_KEY', saved.key],
        ['NPM_TOKEN', saved.token],
        ['MY_SETTING', saved.other],
      ] as const) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
  });

  it('feeds stdin when given input, and passes extra variables (a private index)', async () => {
    const dir = repo();
    const blob = (await runGit(dir, ['hash-object', '-w', '--stdin'], { input: 'from stdin\n' })).trim();
    expect(await runGit(dir, ['cat-file', '-p', blob])).toBe('from stdin\n');
    const index = path.join(dir, '.git', 'other-index');
    await runGit(dir, ['read-tree', 'HEAD'], { env: { GIT_INDEX_FILE: index } });
    expect(fs.existsSync(index)).toBe(true);
  });

  it('runs commands from the process launcher, which starts again after it dies (the command in flight is rejected)', async () => {
    const dir = repo();
    const pid = async () =>
      Number(
        (await launch({ file: 'sh', args: ['-c', 'echo $PPID'], cwd: dir, env: { PATH: process.env.PATH } })).stdout
          .toString()
          .trim(),
      );
    const first = await pid();
    expect(first).not.toBe(process.pid);
    expect(await pid()).toBe(first);
    const inFlight = launch({ file: 'sleep', args: ['5'], cwd: dir, env: { PATH: process.env.PATH } });
    await new Promise((r) => setTimeout(r, 200));
    process.kill(first, 'SIGKILL');
    await expect(inFlight).rejects.toThrow(/the process launcher stopped \(SIGKILL\)/);
    const second = await pid();
    expect(second).not.toBe(first);
    expect(await new Git(dir).revparse(['HEAD'])).toMatch(/^[0-9a-f]{40}$/);
    const missing = await launch({
      file: 'no-such-program-flotilla',
      args: [],
      cwd: dir,
      env: { PATH: process.env.PATH },
    });
    expect(missing.code).toBeNull();
    expect(missing.error).toMatch(/ENOENT/);
  });

  it('a command handed to a launcher that just died goes to a new one (it never ran), and others are unaffected', async () => {
    const dir = repo();
    const sh = (script: string) =>
      launch({ file: 'sh', args: ['-c', script], cwd: dir, env: { PATH: process.env.PATH } });
    const first = Number((await sh('echo $PPID')).stdout.toString());
    process.kill(first, 'SIGKILL');
    // Sent before the parent saw the exit: EPIPE, then sent again to a new launcher.
    const answers = await Promise.all([1, 2, 3].map((i) => sh(`echo ${i}`)));
    expect(answers.map((a) => a.stdout.toString().trim())).toEqual(['1', '2', '3']);
  });

  it('rejects a git ended by a signal (its output is partial), a silent failure when strict, and output over maxBuffer', async () => {
    const dir = repo();
    // A git that prints half of its answer and is killed: it printed nothing to stderr.
    const bin = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-fake-git-'));
    fs.writeFileSync(path.join(bin, 'git'), '#!/bin/sh\nprintf partial\nkill -9 $$\n', { mode: 0o755 });
    const saved = process.env.PATH;
    process.env.PATH = `${bin}:${saved}`;
    try {
      await expect(runGit(dir, ['write-tree'])).rejects.toThrow(/git write-tree was ended by SIGKILL/);
    } finally {
      process.env.PATH = saved;
    }
    fs.appendFileSync(path.join(dir, 'a.txt'), 'more\n');
    expect(await runGit(dir, ['diff', '--quiet'])).toBe('');
    await expect(runGit(dir, ['diff', '--quiet'], { strict: true })).rejects.toThrow(
      'git diff --quiet exited with code 1',
    );
    fs.writeFileSync(path.join(dir, 'big.txt'), 'x'.repeat(300_000));
    await expect(runGit(dir, ['hash-object', '--stdin'], { input: 'y', maxBuffer: 1000 })).resolves.toMatch(
      /^[0-9a-f]{40}\n$/,
    );
    await expect(
      runGit(dir, ['diff', '--no-index', '--', '/dev/null', 'big.txt'], { maxBuffer: 100_000 }),
    ).rejects.toThrow(/could not finish: it printed more than 100000 bytes/);
  });

  it('commands that cannot start do not take the others down', async () => {
    const dir = repo();
    const runs = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        launch({
          file: i % 3 ? 'sh' : 'no-such-program-flotilla',
          args: ['-c', 'sleep 0.2; echo ok'],
          cwd: dir,
          env: { PATH: process.env.PATH },
        }),
      ),
    );
    expect(runs.filter((r) => r.stdout.toString().trim() === 'ok')).toHaveLength(20);
    expect(runs.filter((r) => /ENOENT/.test(r.error ?? ''))).toHaveLength(10);
  });
});
