// The worktree as a git tree (activities/agent/checkpoint.ts): what an agent turn's checkpoint holds, and how a turn
// tells whether the worktree is still as its checkpoint left it.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { snapshotTree, worktreeIs } from '../../activities/agent/checkpoint';
import { worktreeGitDir } from '../../activities/git/worktree-registration';
import { makeSampleRepo } from '../helpers/sample-repo';

const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, encoding: 'utf8' }).trim();

describe('checkpoint trees', () => {
  let worktree: string;
  let base: string;
  beforeAll(async () => {
    const repo = await makeSampleRepo();
    base = git(repo, 'rev-parse', 'HEAD');
    worktree = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-cp-')), 'wt');
    git(repo, 'worktree', 'add', '--detach', worktree, base);
  });

  it('tells a worktree as its checkpoint left it from one a dead try edited further', async () => {
    fs.appendFileSync(path.join(worktree, 'src/math.js'), '// turn 1\n');
    const tree = await snapshotTree(worktree);
    expect(await worktreeIs(worktree, base, tree)).toBe(true);
    // The half-done next turn: one more edit and a new file, never checkpointed.
    fs.appendFileSync(path.join(worktree, 'src/math.js'), '// turn 2, half done\n');
    expect(await worktreeIs(worktree, base, tree)).toBe(false);
    fs.writeFileSync(
      path.join(worktree, 'src/math.js'),
      fs.readFileSync(path.join(worktree, 'src/math.js'), 'utf8').replace('// turn 2, half done\n', ''),
    );
    expect(await worktreeIs(worktree, base, tree)).toBe(true);
    fs.writeFileSync(path.join(worktree, 'src/new.js'), 'new\n');
    expect(await worktreeIs(worktree, base, tree)).toBe(false);
    fs.rmSync(path.join(worktree, 'src/new.js'));
    // Not at the base commit: not as the checkpoint left it, whatever the files.
    expect(await worktreeIs(worktree, '0'.repeat(40), tree)).toBe(false);
  });

  it('snapshots over the lock a killed snapshot left behind', async () => {
    const gitDir = (await worktreeGitDir(worktree))!;
    fs.writeFileSync(path.join(gitDir, 'flotilla-checkpoint.index.lock'), '');
    fs.appendFileSync(path.join(worktree, 'src/text.js'), '// after the crash\n');
    const tree = await snapshotTree(worktree);
    expect(git(worktree, 'ls-tree', '-r', '--name-only', tree).split('\n')).toContain('src/text.js');
    expect(await worktreeIs(worktree, base, tree)).toBe(true);
  });
});
