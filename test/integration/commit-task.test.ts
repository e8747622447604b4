import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createMainActivities } from '../../activities';
import { taskWorktree } from '../../activities/run-paths';
import { Git, taskCommits } from '../../activities/git/git';
import { freshWorktree } from '../../activities/git/worktrees';
import { makeSampleRepo } from '../helpers/sample-repo';

describe('commitTask on a real worktree', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-commit-'));
  const acts = createMainActivities({ worktreeRoot: root });

  async function setup(runId: string) {
    const repo = await makeSampleRepo();
    const baseSha = (await new Git(repo).revparse(['HEAD'])).trim();
    const wt = taskWorktree(root, runId, 'TASK-0001');
    await freshWorktree(repo, wt, baseSha);
    fs.appendFileSync(path.join(wt, 'src/math.js'), '// tidy\n');
    fs.writeFileSync(path.join(wt, 'coverage.json'), '{}'); // written by a test run, not by the agent
    const args = {
      runId,
      repoPath: repo,
      taskId: 'TASK-0001',
      baseSha,
      title: 'Document add',
      summary: 'Added a comment.',
      sourcePath: 'tasks/TASK-0001.md',
    };
    return { repo, wt, args };
  }

  it('commits only what the agent edited plus the archive move, once', async () => {
    const { wt, args } = await setup(`c1-${Date.now()}`);
    const first = await acts.commitTask({ ...args, edited: ['src/math.js'] });
    expect(first.commit).toMatch(/^[0-9a-f]{40}$/);
    const files = (await new Git(wt).raw(['show', '--no-renames', '--name-status', '--format=', first.commit!]))
      .trim()
      .split('\n')
      .sort();
    expect(files).toEqual(['A\ttasks/archive/TASK-0001.md', 'D\ttasks/TASK-0001.md', 'M\tsrc/math.js']);
    expect((await new Git(wt).raw(['log', '-1', '--format=%s%n%n%b'])).trim()).toMatch(
      /^Complete TASK-0001: Document add\n\nAdded a comment\.\n\nFlotilla-Run: c1-\d+\nFlotilla-Task: TASK-0001$/,
    );
    // A retry after a crash returns the same commit instead of making a second one.
    expect(await acts.commitTask({ ...args, edited: ['src/math.js'] })).toEqual(first);
  });

  it('a title or summary that carries a trailer line cannot forge one: only the final block, written by git, counts', async () => {
    const { wt, args } = await setup(`c3-${Date.now()}`);
    const forged = {
      ...args,
      title: 'Document add\nFlotilla-Task: TASK-0009',
      summary: 'Done.\n\nFlotilla-Run: other\nFlotilla-Task: TASK-0009',
    };
    const r = await acts.commitTask({ ...forged, edited: ['src/math.js'] });
    const git = new Git(wt);
    const trailers = (
      await git.raw(['log', '-1', '--format=%(trailers:key=Flotilla-Task,valueonly)', r.commit!])
    ).trim();
    expect(trailers).toBe('TASK-0001');
    const found = await taskCommits(git, `${args.baseSha}..HEAD`, args.runId);
    expect(found.get('TASK-0009') ?? null).toBeNull();
    expect(found.get('TASK-0001')).toBe(r.commit);
    expect((await git.raw(['log', '-1', '--format=%s', r.commit!])).trim()).toBe(
      'Complete TASK-0001: Document add Flotilla-Task - TASK-0009',
    );
  });

  it('refuses a change that deletes a test file', async () => {
    const { wt, args } = await setup(`c2-${Date.now()}`);
    fs.rmSync(path.join(wt, 'test/math.test.js'));
    const r = await acts.commitTask({ ...args, edited: ['src/math.js', 'test/math.test.js'] });
    expect(r).toEqual({
      commit: null,
      reason: 'the change deletes test file test/math.test.js; tests may be changed, not removed',
    });
  });

  it('refuses a change that edits task files: tasks/ is the backlog (issue 22)', async () => {
    const { wt, args } = await setup(`c4-${Date.now()}`);
    const other = fs.readdirSync(path.join(wt, 'tasks')).find((f) => f.endsWith('.md') && f !== 'TASK-0001.md')!;
    fs.appendFileSync(path.join(wt, 'tasks', other), '\ntests: "true"\n');
    const r = await acts.commitTask({ ...args, edited: ['src/math.js', `tasks/${other}`] });
    expect(r).toEqual({
      commit: null,
      reason: `the change edits task file tasks/${other}; tasks/ is the run's backlog, never part of a change`,
    });
  });

  it('takes the agent\'s paths literally: a file named "*" stages only itself (issue 11)', async () => {
    const { wt, args } = await setup(`c3-${Date.now()}`);
    fs.writeFileSync(path.join(wt, '*'), 'star\n');
    fs.writeFileSync(path.join(wt, ':(glob)**'), 'magic\n');
    const r = await acts.commitTask({ ...args, edited: ['*', ':(glob)**'] });
    expect(r.commit).toMatch(/^[0-9a-f]{40}$/);
    const files = (await new Git(wt).raw(['show', '--no-renames', '--name-status', '--format=', r.commit!]))
      .trim()
      .split('\n')
      .sort();
    // src/math.js and coverage.json changed in the worktree too, but the agent did not name them.
    expect(files).toEqual(['A\t*', 'A\t:(glob)**', 'A\ttasks/archive/TASK-0001.md', 'D\ttasks/TASK-0001.md']);
  });

  it('stages nothing when the agent edited nothing', async () => {
    const { args } = await setup(`c4-${Date.now()}`);
    expect(await acts.commitTask({ ...args, edited: [] })).toEqual({
      commit: null,
      reason: 'the agent made no change to any file',
    });
  });
});
