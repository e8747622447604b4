import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { changedPaths, Git, gitAt } from '../../activities/git/git';
import { neutralisers } from '../../activities/git/repo-programs';
import { freshWorktree } from '../../activities/git/worktrees';
import { runShell } from '../../activities/test-runs/run-shell';

/**
 * Issue 22: Flotilla's git runs outside the sandbox, so it must run no program the repository chose. Each test
 * first shows that plain git does run the planted program (the attack is real), then that Flotilla's does not.
 */

const gitSync = (cwd: string, ...args: string[]) =>
  execFileSync('git', ['-c', 'user.name=T', '-c', 'user.email=t@x', '-c', 'protocol.file.allow=always', ...args], {
    cwd,
    env: { ...process.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  }).toString();
/** Plain git, whose failure does not matter (a program that ran and failed fails it). */
const plainGit = (cwd: string, ...args: string[]) => {
  try {
    gitSync(cwd, ...args);
  } catch {
    /* ran, or refused: the marker says which */
  }
};

function tmp(prefix: string): string {
  return fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), prefix)));
}

/** A script that appends its name and arguments to `marker` (and fails, as a planted program might). */
function markerScript(file: string, marker: string, output = ''): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `#!/bin/sh\necho "$0 $*" >> '${marker}'\n${output}\n`, { mode: 0o755 });
}

describe('git that runs nothing from the repository (issue 22)', () => {
  it('a committed submodule path made into a repository with core.fsmonitor and filters by a command in the worktree runs nothing through Flotilla', async () => {
    const root = tmp('flotilla-gitsafe-sub-');
    const marker = path.join(root, 'ran');
    const repo = path.join(root, 'repo');
    fs.mkdirSync(repo);
    gitSync(repo, 'init', '-q');
    fs.writeFileSync(path.join(repo, 'a.txt'), 'a\n');
    // A committed submodule: a gitlink plus .gitmodules, which says never to ignore it.
    fs.writeFileSync(
      path.join(repo, '.gitmodules'),
      '[submodule "sub"]\n\tpath = sub\n\turl = ./nowhere\n\tignore = none\n',
    );
    gitSync(repo, 'add', '-A');
    gitSync(repo, 'update-index', '--add', '--cacheinfo', `160000,${'1'.repeat(40)},sub`);
    gitSync(repo, 'commit', '-qm', 'with a submodule');
    const sha = gitSync(repo, 'rev-parse', 'HEAD').trim();

    const wt = path.join(root, 'worktrees', 'task');
    await freshWorktree(repo, wt, sha);
    // What a test could do in the sandbox: the worktree is writable, its .git is not, sub/ is.
    const script = [
      'set -e',
      'git init -q sub',
      `printf '#!/bin/sh\\necho "fsmonitor $*" >> ${marker}\\nexit 1\\n' > sub/.git/fsmonitor.sh`,
      `printf '#!/bin/sh\\necho "filter $*" >> ${marker}\\ncat\\n' > sub/.git/filter.sh`,
      'chmod +x sub/.git/fsmonitor.sh sub/.git/filter.sh',
      'git -C sub config core.fsmonitor "$PWD/sub/.git/fsmonitor.sh"',
      'git -C sub config filter.x.clean "$PWD/sub/.git/filter.sh"',
      'echo "* filter=x" > sub/.gitattributes',
      'echo one > sub/f',
      'git -C sub -c filter.x.clean=cat add -A',
      'git -C sub -c filter.x.clean=cat -c user.name=T -c user.email=t@x commit -qm nested',
      'echo two >> sub/f',
      'echo changed >> a.txt',
    ].join('\n');
    const made = await runShell(script, wt, path.join(root, 'make-nested.log'));
    expect(made.exitCode).toBe(0);

    // The attack is real: plain git's status asks the nested repository, which runs its programs.
    plainGit(wt, 'status', '--porcelain');
    expect(fs.readFileSync(marker, 'utf8')).toMatch(/fsmonitor|filter/);
    fs.rmSync(marker);

    const git = await gitAt(wt);
    expect(await changedPaths(git)).toEqual(['a.txt']);
    await git.raw(['status', '--porcelain', '--untracked-files=all']);
    await git.raw(['diff', '--name-only']);
    await git.raw(['diff', 'HEAD']);
    await git.raw(['add', '-A']);
    await git.raw(['diff', '--cached', '--name-status', '-z']);
    await git.raw(['commit', '--no-verify', '-m', 'through Flotilla']);
    await git.raw(['show', '--numstat', '--format=', 'HEAD']);
    await git.raw(['reset', '--hard', '--quiet', sha]);
    await git.raw(['clean', '-fd', '-e', 'node_modules']);
    expect(fs.existsSync(marker)).toBe(false);
  }, 30_000);

  it('filter, merge, textconv and external-diff programs that config names and .gitattributes in the worktree selects never run', async () => {
    const root = tmp('flotilla-gitsafe-drivers-');
    const marker = path.join(root, 'ran');
    const repo = path.join(root, 'repo');
    fs.mkdirSync(repo);
    gitSync(repo, 'init', '-q');
    fs.writeFileSync(path.join(repo, 'a.txt'), 'one\n');
    fs.writeFileSync(path.join(repo, 'c.cfg'), 'one\n');
    fs.writeFileSync(path.join(repo, 'b.md'), 'one\n');
    fs.writeFileSync(
      path.join(repo, '.gitattributes'),
      '*.txt filter=strip merge=keep diff=conv\n*.md diff=ext\n*.cfg filter=a=b\n',
    );
    gitSync(repo, 'add', '-A');
    gitSync(repo, 'commit', '-qm', 'base');
    const base = gitSync(repo, 'rev-parse', 'HEAD').trim();
    // A side commit that conflicts with the task's change in a.txt (a cherry-pick runs the merge driver).
    gitSync(repo, 'checkout', '-q', '-b', 'side');
    fs.writeFileSync(path.join(repo, 'a.txt'), 'side\n');
    gitSync(repo, 'commit', '-qam', 'side');
    const side = gitSync(repo, 'rev-parse', 'HEAD').trim();
    gitSync(repo, 'checkout', '-q', '-');
    // The user's own config names programs by a path relative to the work tree, as many repositories do.
    const config: Array<[string, string]> = [
      ['filter.strip.clean', './tools/filter.sh clean'],
      ['filter.strip.smudge', './tools/filter.sh smudge'],
      ['filter.strip.required', 'true'],
      ['merge.keep.driver', './tools/merge.sh %O %A %B'],
      ['diff.conv.textconv', './tools/textconv.sh'],
      ['diff.ext.command', './tools/extdiff.sh'],
    ];
    for (const [k, v] of config) gitSync(repo, 'config', k, v);
    // And an included file (shared config in the repository's checkout) defines one whose name has an `=`.
    fs.writeFileSync(
      path.join(root, 'shared.gitconfig'),
      '[filter "a=b"]\n\tclean = ./tools/filter.sh included\n\tsmudge = ./tools/filter.sh included\n',
    );
    gitSync(repo, 'config', 'include.path', path.join(root, 'shared.gitconfig'));

    // The agent (or a test) writes the programs into the worktree, then Flotilla's git works there.
    const wt = path.join(root, 'worktrees', 'task');
    await freshWorktree(repo, wt, base);
    for (const name of ['filter.sh', 'merge.sh', 'textconv.sh', 'extdiff.sh'])
      markerScript(path.join(wt, 'tools', name), marker, name === 'merge.sh' ? 'exit 0' : 'cat');

    // The attack is real: plain git runs each of them.
    fs.appendFileSync(path.join(wt, 'a.txt'), 'two\n');
    fs.appendFileSync(path.join(wt, 'b.md'), 'two\n');
    fs.appendFileSync(path.join(wt, 'c.cfg'), 'two\n');
    plainGit(wt, 'status');
    plainGit(wt, 'diff', 'HEAD');
    plainGit(wt, 'add', 'c.cfg');
    const ran = fs.readFileSync(marker, 'utf8');
    for (const program of ['filter.sh clean', 'filter.sh included', 'textconv.sh', 'extdiff.sh'])
      expect(ran).toContain(program);
    plainGit(wt, 'reset', '-q');
    fs.rmSync(marker);

    const git = await gitAt(wt);
    expect(await changedPaths(git)).toEqual([
      'a.txt',
      'b.md',
      'c.cfg',
      'tools/extdiff.sh',
      'tools/filter.sh',
      'tools/merge.sh',
      'tools/textconv.sh',
    ]);
    expect(await git.raw(['diff', 'HEAD', '--', 'a.txt'])).toContain('+two');
    await git.raw(['diff', '--stat']);
    await git.raw(['add', '-A', '--', 'a.txt', 'b.md', 'c.cfg']);
    await git.raw(['commit', '--no-verify', '-m', 'task']);
    const task = await git.revparse(['HEAD']);
    await git.raw(['show', '--numstat', '--format=', 'HEAD']);
    await git.raw(['log', '-p', '-1']);
    // The side commit conflicts in a.txt: git's own merge, a conflict, no driver.
    await expect(git.raw(['cherry-pick', side])).rejects.toThrow(/conflict/i);
    await git.raw(['cherry-pick', '--abort']);
    fs.rmSync(path.join(wt, 'a.txt'));
    await git.raw(['reset', '--hard', '--quiet', base]);
    // A checkpoint's restore: the task's tree back into the work tree.
    await git.raw(['read-tree', '-u', '--reset', task]);
    await git.raw(['reset', '--hard', '--quiet', base]);
    await new Git(repo).raw(['worktree', 'add', '-q', '--detach', path.join(root, 'worktrees', 'other'), base]);
    expect(fs.existsSync(marker) ? fs.readFileSync(marker, 'utf8') : 'nothing ran').toBe('nothing ran');
    // The files are checked out as they are stored (no smudge), and are clean by the same rule.
    expect(fs.readFileSync(path.join(wt, 'a.txt'), 'utf8')).toBe('one\n');
    expect(await changedPaths(git)).toEqual([
      'tools/extdiff.sh',
      'tools/filter.sh',
      'tools/merge.sh',
      'tools/textconv.sh',
    ]);
    expect(fs.existsSync(marker)).toBe(false);
  }, 30_000);

  /** A repository whose index has a gitlink `sub` (and .gitmodules), committed. */
  function withGitlink(root: string, extraFiles: Record<string, string> = {}): string {
    const repo = path.join(root, 'repo');
    fs.mkdirSync(repo);
    gitSync(repo, 'init', '-q');
    fs.writeFileSync(path.join(repo, 'a.txt'), 'a\n');
    fs.writeFileSync(path.join(repo, '.gitmodules'), '[submodule "sub"]\n\tpath = sub\n\turl = ./nowhere\n');
    for (const [f, text] of Object.entries(extraFiles)) fs.writeFileSync(path.join(repo, f), text);
    gitSync(repo, 'add', '-A');
    gitSync(repo, 'update-index', '--add', '--cacheinfo', `160000,${'1'.repeat(40)},sub`);
    gitSync(repo, 'commit', '-qm', 'with a submodule');
    return repo;
  }

  it("a submodule path made into a repository with nothing committed: Flotilla's `add -A` does not start its fsmonitor", async () => {
    const root = tmp('flotilla-gitsafe-unborn-');
    const marker = path.join(root, 'ran');
    const repo = withGitlink(root);
    const wt = path.join(root, 'worktrees', 'task');
    await freshWorktree(repo, wt, gitSync(repo, 'rev-parse', 'HEAD').trim());
    markerScript(path.join(wt, 'sub', 'monitor.sh'), marker, 'exit 1');
    gitSync(path.join(wt, 'sub'), 'init', '-q');
    gitSync(path.join(wt, 'sub'), 'config', 'core.fsmonitor', path.join(wt, 'sub', 'monitor.sh'));
    gitSync(path.join(wt, 'sub'), 'add', 'monitor.sh');
    fs.appendFileSync(path.join(wt, 'a.txt'), 'more\n');
    plainGit(wt, 'add', '-A');
    expect(fs.readFileSync(marker, 'utf8')).toContain('monitor.sh');
    fs.rmSync(marker);
    plainGit(wt, 'reset', '-q');
    fs.rmSync(marker, { force: true });
    const git = await gitAt(wt);
    // git refuses this add ("'sub' does not have a commit checked out"): what matters is what it ran first.
    await git.raw(['add', '-A']).catch(() => undefined);
    await git.raw(['reset', '-q']);
    expect(fs.existsSync(marker)).toBe(false);
  }, 30_000);

  it("with the user's submodule.recurse, Flotilla's reset does not check out a submodule path made into a repository (whose own filters would run)", async () => {
    const root = tmp('flotilla-gitsafe-recurse-');
    const marker = path.join(root, 'ran');
    const repo = withGitlink(root);
    gitSync(repo, 'config', 'submodule.recurse', 'true');
    gitSync(repo, 'config', 'submodule.active', '.');
    const wt = path.join(root, 'worktrees', 'task');
    const sha = gitSync(repo, 'rev-parse', 'HEAD').trim();
    await freshWorktree(repo, wt, sha);
    // The nested repository: two commits of f through its own filter; the superproject's gitlink names the first.
    const sub = path.join(wt, 'sub');
    gitSync(sub, 'init', '-q');
    markerScript(path.join(root, 'filter.sh'), marker, 'cat');
    gitSync(sub, 'config', 'filter.x.clean', path.join(root, 'filter.sh'));
    gitSync(sub, 'config', 'filter.x.smudge', path.join(root, 'filter.sh'));
    fs.writeFileSync(path.join(sub, '.gitattributes'), '* filter=x\n');
    fs.writeFileSync(path.join(sub, 'f'), 'one\n');
    gitSync(sub, '-c', 'filter.x.clean=cat', 'add', '-A');
    gitSync(sub, '-c', 'filter.x.clean=cat', 'commit', '-qm', 'one');
    const first = gitSync(sub, 'rev-parse', 'HEAD').trim();
    fs.writeFileSync(path.join(sub, 'f'), 'two\n');
    gitSync(sub, '-c', 'filter.x.clean=cat', 'commit', '-qam', 'two');
    gitSync(wt, 'update-index', '--cacheinfo', `160000,${first},sub`);
    gitSync(wt, 'commit', '-qm', 'gitlink at one');
    const head = gitSync(wt, 'rev-parse', 'HEAD').trim();
    // The attack is real: plain git's reset checks the submodule out, through its filter.
    plainGit(wt, 'reset', '--hard', '--quiet', head);
    expect(fs.readFileSync(marker, 'utf8')).toContain('filter.sh');
    fs.rmSync(marker);
    gitSync(sub, '-c', 'filter.x.smudge=cat', '-c', 'filter.x.clean=cat', 'checkout', '-q', 'master');
    const git = await gitAt(wt);
    await git.raw(['reset', '--hard', '--quiet', head]);
    await git.raw(['checkout', '-q', '--detach', head]);
    expect(fs.existsSync(marker)).toBe(false);
    expect(gitSync(sub, 'rev-parse', 'HEAD').trim()).not.toBe(first);
  }, 30_000);

  it('a signing program that config names by a path in the work tree does not run on a commit', async () => {
    const root = tmp('flotilla-gitsafe-gpg-');
    const marker = path.join(root, 'ran');
    const repo = withGitlink(root);
    gitSync(repo, 'config', 'commit.gpgSign', 'true');
    gitSync(repo, 'config', 'gpg.program', './tools/gpg.sh');
    const wt = path.join(root, 'worktrees', 'task');
    await freshWorktree(repo, wt, gitSync(repo, 'rev-parse', 'HEAD').trim());
    markerScript(path.join(wt, 'tools', 'gpg.sh'), marker, 'exit 1');
    plainGit(wt, 'commit', '--allow-empty', '-qm', 'signed?');
    expect(fs.readFileSync(marker, 'utf8')).toContain('gpg.sh');
    fs.rmSync(marker);
    await (await gitAt(wt)).raw(['commit', '--no-verify', '--allow-empty', '-m', 'through Flotilla']);
    expect(fs.existsSync(marker)).toBe(false);
  }, 30_000);

  it("a driver that config gains between two commands (the repository's, the user's, an included file's) is emptied as well", async () => {
    const root = tmp('flotilla-gitsafe-later-');
    const marker = path.join(root, 'ran');
    const repo = withGitlink(root, {
      '.gitattributes': '*.txt filter=late\n*.cfg filter=home\n*.md filter=inc\n',
      'c.cfg': 'c\n',
      'd.md': 'd\n',
    });
    const wt = path.join(root, 'worktrees', 'task');
    await freshWorktree(repo, wt, gitSync(repo, 'rev-parse', 'HEAD').trim());
    markerScript(path.join(wt, 'tools', 'filter.sh'), marker, 'cat');
    const git = await gitAt(wt);
    const touchAll = async () => {
      for (const f of ['a.txt', 'c.cfg', 'd.md']) fs.appendFileSync(path.join(wt, f), 'more\n');
      await git.raw(['status', '--porcelain']);
      await git.raw(['add', '-A', '--', 'a.txt', 'c.cfg', 'd.md']);
      await git.raw(['reset', '-q']);
    };
    await touchAll(); // the lists are asked for, and kept
    // The repository's config gains a filter.
    gitSync(repo, 'config', 'filter.late.clean', './tools/filter.sh late');
    // The user's global config (a HOME of the test's own) gains one.
    const home = path.join(root, 'home');
    fs.mkdirSync(home);
    const saved = process.env.HOME;
    process.env.HOME = home;
    try {
      await touchAll();
      fs.writeFileSync(path.join(home, '.gitconfig'), '[filter "home"]\n\tclean = ./tools/filter.sh home\n');
      // An included file gains one (a config that includes another is asked every time).
      fs.writeFileSync(path.join(root, 'included.gitconfig'), '');
      gitSync(repo, 'config', 'include.path', path.join(root, 'included.gitconfig'));
      await touchAll();
      fs.writeFileSync(path.join(root, 'included.gitconfig'), '[filter "inc"]\n\tclean = ./tools/filter.sh inc\n');
      // The attack is real: plain git (with the same HOME) runs all three.
      plainGit(wt, 'add', '-A', '--', 'a.txt', 'c.cfg', 'd.md');
      for (const which of ['late', 'home', 'inc'])
        expect(fs.readFileSync(marker, 'utf8')).toContain(`filter.sh ${which}`);
      plainGit(wt, 'reset', '-q');
      fs.rmSync(marker);
      await touchAll();
      expect(fs.existsSync(marker)).toBe(false);
    } finally {
      if (saved === undefined) delete process.env.HOME;
      else process.env.HOME = saved;
    }
  }, 30_000);

  it('empties every filter and merge driver that config lists, whatever its name', () => {
    const listing = [
      'filter.lfs.clean',
      'filter.lfs.process',
      'filter.a=b.c.smudge',
      'merge.npm-merge-driver.driver',
      'merge.npm-merge-driver.name',
      '',
    ].join('\0');
    expect(neutralisers(listing)).toEqual([
      ['filter.lfs.clean', ''],
      ['filter.lfs.smudge', ''],
      ['filter.lfs.process', ''],
      ['filter.lfs.required', 'false'],
      ['filter.a=b.c.clean', ''],
      ['filter.a=b.c.smudge', ''],
      ['filter.a=b.c.process', ''],
      ['filter.a=b.c.required', 'false'],
      ['merge.npm-merge-driver.driver', 'exit 1'],
    ]);
  });
});
