import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parkWorktree } from '../../activities/git/parked-worktrees';
import { addParkedWorktrees, freshWorktree, removeWorktree } from '../../activities/git/worktrees';
import { makeSampleRepo } from '../helpers/sample-repo';

const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd }).toString().trim();
const registered = (repo: string) =>
  git(repo, 'worktree', 'list', '--porcelain')
    .split('\n')
    .filter((l) => l.startsWith('worktree '))
    .map((l) => l.slice(9))
    .sort();

describe('parked worktrees', () => {
  it("a finished task's worktree is taken over by the next task: moved, registered at its new path, and as clean as a new one", async () => {
    const repo = await makeSampleRepo();
    fs.writeFileSync(path.join(repo, '.gitignore'), 'build/\n');
    git(repo, 'add', '.gitignore');
    git(repo, '-c', 'user.name=T', '-c', 'user.email=t@x', 'commit', '-qm', 'ignore build/');
    const [first, second] = [git(repo, 'rev-parse', 'HEAD~1'), git(repo, 'rev-parse', 'HEAD')];
    const run = path.join(fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-parked-'))), 'run-1');
    const a = path.join(run, 'TASK-0001');
    const b = path.join(run, 'TASK-0002');

    await freshWorktree(repo, a, first);
    // What a task leaves: an edit, a new file, an ignored build output, a staged change.
    fs.appendFileSync(path.join(a, 'src/math.js'), '// edited\n');
    fs.writeFileSync(path.join(a, 'src/new.js'), 'new\n');
    fs.mkdirSync(path.join(a, 'build'));
    fs.writeFileSync(path.join(a, 'build/out.js'), 'built\n');
    git(a, 'add', 'src/new.js');
    expect(await parkWorktree(repo, a)).toBe(true);
    expect(fs.existsSync(a)).toBe(false);

    const wt = await freshWorktree(repo, b, second);
    expect(fs.readdirSync(path.join(run, '_parked'))).toEqual([]);
    expect(registered(repo)).toEqual([fs.realpathSync(repo), b].sort());
    expect((await wt.revparse(['HEAD'])).trim()).toBe(second);
    expect(git(b, 'status', '--porcelain', '--ignored')).toBe('');
    expect(fs.existsSync(path.join(b, 'build'))).toBe(false);
    expect(fs.readFileSync(path.join(b, 'src/math.js'), 'utf8')).not.toContain('// edited');
    expect(fs.existsSync(path.join(b, '.gitignore'))).toBe(true);

    // The run's end removes its folder, parked worktrees and all, and their registrations.
    expect(await parkWorktree(repo, b)).toBe(true);
    await removeWorktree(repo, run);
    expect(registered(repo)).toEqual([fs.realpathSync(repo)]);
  });

  it('does not park a worktree whose .git file names another registration; its own removal leaves the other one working', async () => {
    const repo = await makeSampleRepo();
    const sha = git(repo, 'rev-parse', 'HEAD');
    const run = path.join(fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-parked-'))), 'run-2');
    const [a, b] = [path.join(run, 'TASK-0001'), path.join(run, 'TASK-0002')];
    await freshWorktree(repo, a, sha);
    await freshWorktree(repo, b, sha);
    fs.writeFileSync(path.join(b, '.git'), fs.readFileSync(path.join(a, '.git'), 'utf8'));
    expect(await parkWorktree(repo, b)).toBe(false);
    await removeWorktree(repo, b);
    expect(registered(repo)).toEqual([fs.realpathSync(repo), a].sort());
    expect(git(a, 'rev-parse', 'HEAD')).toBe(sha);
  });

  it('worktrees warmed ahead (while the baseline runs) are what the first tasks take', async () => {
    const repo = await makeSampleRepo();
    const sha = git(repo, 'rev-parse', 'HEAD');
    const run = path.join(fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-parked-'))), 'run-3');
    expect(await addParkedWorktrees(repo, path.join(run, 'warm'), sha, 3)).toBe(3);
    const warm = fs.readdirSync(path.join(run, '_parked'));
    expect(warm).toHaveLength(3);
    for (const id of ['TASK-0001', 'TASK-0002', 'TASK-0003', 'TASK-0004'])
      await freshWorktree(repo, path.join(run, id), sha);
    expect(fs.readdirSync(path.join(run, '_parked'))).toEqual([]);
    // Three were taken over (their registrations now name the tasks' folders), the fourth was added.
    expect(registered(repo)).toEqual(
      [
        fs.realpathSync(repo),
        ...['TASK-0001', 'TASK-0002', 'TASK-0003', 'TASK-0004'].map((id) => path.join(run, id)),
      ].sort(),
    );
    const names = fs.readdirSync(path.join(fs.realpathSync(repo), '.git', 'worktrees'));
    expect(names.filter((n) => n.startsWith('warm-'))).toHaveLength(3);
  });

  it('a worktree a killed worker left with a broken .git file is replaced by a new one, not retried forever', async () => {
    const repo = await makeSampleRepo();
    const sha = git(repo, 'rev-parse', 'HEAD');
    const run = path.join(fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-parked-'))), 'run-4');
    const wt = path.join(run, 'TASK-0001');
    await freshWorktree(repo, wt, sha);
    fs.writeFileSync(path.join(wt, '.git'), ''); // killed mid-write
    const again = await freshWorktree(repo, wt, sha);
    expect((await again.revparse(['HEAD'])).trim()).toBe(sha);
    expect(registered(repo)).toEqual([fs.realpathSync(repo), wt].sort());
  });
});
