import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createMainActivities } from '../../activities';
import { backupRef, Git, runBranch } from '../../activities/git/git';
import { freshWorktree } from '../../activities/git/worktrees';
import { taskWorktree } from '../../activities/run-paths';
import { makeSampleRepo } from '../helpers/sample-repo';

describe('integrateCommits (a group of finished changes onto the run branch in one activity)', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-integrate-'));
  const acts = createMainActivities({ worktreeRoot: root });

  /** A task's commit in its own worktree: `edit` appends a line to `file`. */
  async function taskCommit(
    repo: string,
    runId: string,
    baseSha: string,
    taskId: string,
    file: string,
    line: string,
  ): Promise<string> {
    const wt = taskWorktree(root, runId, taskId);
    await freshWorktree(repo, wt, baseSha);
    fs.appendFileSync(path.join(wt, file), `${line}\n`);
    const r = await acts.commitTask({
      runId,
      repoPath: repo,
      taskId,
      baseSha,
      title: `Edit ${file}`,
      summary: line,
      edited: [file],
      sourcePath: `tasks/${taskId}.md`,
    });
    return r.commit!;
  }

  it('applies them in order, reports a conflict and goes on with the next, and applies nothing twice when retried', async () => {
    const repo = await makeSampleRepo();
    const runId = `g-${Date.now()}`;
    const git = new Git(repo);
    const base = await git.revparse(['HEAD']);
    await git.raw(['branch', runBranch(runId), base]);
    await git.raw(['update-ref', backupRef(runId), base]);
    const commits = [
      { taskId: 'TASK-0001', commit: await taskCommit(repo, runId, base, 'TASK-0001', 'src/math.js', '// one') },
      // Edits the same last line of src/math.js from the same base: conflicts with TASK-0001 on the branch.
      { taskId: 'TASK-0003', commit: await taskCommit(repo, runId, base, 'TASK-0003', 'src/math.js', '// three') },
      { taskId: 'TASK-0002', commit: await taskCommit(repo, runId, base, 'TASK-0002', 'src/text.js', '// two') },
    ];
    const results = await acts.integrateCommits({ runId, repoPath: repo, commits });
    expect(results.map((r) => r.ok)).toEqual([true, false, true]);
    expect(results[1]).toMatchObject({ ok: false, reason: 'its change conflicts with the run branch in src/math.js' });
    const tip = await git.revparse([runBranch(runId)]);
    expect(results[2].tip).toBe(tip);
    expect(results[1].tip).toBe(results[0].tip);
    const subjects = (await git.raw(['log', '--format=%s', `${base}..${tip}`])).trim().split('\n');
    expect(subjects).toEqual(['Complete TASK-0002: Edit src/text.js', 'Complete TASK-0001: Edit src/math.js']);

    // A retry of the same group (the worker died before its result reached the server): the same commits, nothing new.
    const again = await acts.integrateCommits({ runId, repoPath: repo, commits: [commits[0], commits[2]] });
    expect(again.map((r) => (r.ok ? r.commit : r.reason))).toEqual([
      results[0].ok && results[0].commit,
      results[2].ok && results[2].commit,
    ]);
    expect(await git.revparse([runBranch(runId)])).toBe(tip);
  });

  it("re-applies a later task's run-branch commit on the branch's start, without the earlier task (a phase's culprit search)", async () => {
    const repo = await makeSampleRepo();
    const runId = `r-${Date.now()}`;
    const git = new Git(repo);
    const base = await git.revparse(['HEAD']);
    await git.raw(['branch', runBranch(runId), base]);
    await git.raw(['update-ref', backupRef(runId), base]);
    const [first, second] = await acts.integrateCommits({
      runId,
      repoPath: repo,
      commits: [
        { taskId: 'TASK-0001', commit: await taskCommit(repo, runId, base, 'TASK-0001', 'src/math.js', '// one') },
        { taskId: 'TASK-0002', commit: await taskCommit(repo, runId, base, 'TASK-0002', 'src/text.js', '// two') },
      ],
    });
    expect(first.ok && second.ok).toBe(true);
    // Drop TASK-0001: back to the start, then TASK-0002's commit from the branch (its parent archived TASK-0001's file,
    // and the start has no tasks/archive/: git must not take archive/ for renamed to tasks/).
    await acts.resetRunBranch({ runId, repoPath: repo, sha: base });
    const again = await acts.integrateCommit({
      runId,
      repoPath: repo,
      taskId: 'TASK-0002',
      commit: second.ok ? second.commit : '',
    });
    expect(again).toMatchObject({ ok: true });
    const files = (await git.raw(['ls-tree', '-r', '--name-only', runBranch(runId), 'tasks/'])).trim().split('\n');
    expect(files).toEqual(expect.arrayContaining(['tasks/TASK-0001.md', 'tasks/archive/TASK-0002.md']));
    expect(files).not.toContain('tasks/TASK-0002.md');
  });
});
