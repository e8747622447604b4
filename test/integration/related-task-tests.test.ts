import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { simpleGit } from 'simple-git';
import { createTestActivities } from '../../activities';
import { taskWorktree } from '../../activities/run-paths';
import { freshWorktree } from '../../activities/git/worktrees';
import { makeSampleRepo } from '../helpers/sample-repo';

/** runTaskTests on a real worktree of the sample repository (`npm test` runs `node --test test/`), without Temporal. */
describe('runTaskTests chooses the tests related to the change', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-related-'));
  const acts = createTestActivities({ worktreeRoot: root });
  const baseline = { failing: [], flaky: [] };

  /** A task worktree of a fresh sample repository, with `edit` applied to it. */
  async function changed(taskId: string, edit: (wt: string) => void) {
    const repo = await makeSampleRepo();
    const runId = `rel-${Date.now()}-${Math.random().toString(36).slice(2, 6)}`;
    const baseSha = (await simpleGit(repo).revparse(['HEAD'])).trim();
    const wt = taskWorktree(root, runId, taskId);
    await freshWorktree(repo, wt, baseSha);
    edit(wt);
    return { runId, repoPath: repo, taskId, attempt: 1, baseline, command: 'npm test --silent' };
  }
  const log = (p: string) => fs.readFileSync(p, 'utf8');

  it('runs only test/text.test.js for a change to src/text.js', async () => {
    const ref = await changed('TASK-0002', (wt) => fs.appendFileSync(path.join(wt, 'src/text.js'), '// documented\n'));
    const evidence = await acts.runTaskTests({ ...ref, relatedTo: ['src/text.js'] });
    expect(evidence).toMatchObject({
      command: 'node --test test/text.test.js',
      selection: 'related to src/text.js: test/text.test.js',
      passed: true,
    });
    expect(log(evidence.logPath)).toContain('upper makes capitals');
    expect(log(evidence.logPath)).not.toContain('add adds two numbers');
    expect(log(evidence.logPath)).toContain('# tests chosen: related to src/text.js: test/text.test.js\n');
  });

  it('catches a breaking change to src/math.js with the related tests, and names them', async () => {
    const ref = await changed('TASK-0004', (wt) => {
      const file = path.join(wt, 'src/math.js');
      fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('return a + b;', 'return a - b;'));
    });
    const evidence = await acts.runTaskTests({ ...ref, relatedTo: ['src/math.js'] });
    expect(evidence).toMatchObject({
      command: 'node --test test/math.test.js',
      passed: false,
      failingTests: ['test/math.test.js::add adds two numbers'],
    });
    expect(evidence.tail).toContain('add adds two numbers');
    expect(log(evidence.logPath)).not.toContain('upper makes capitals');
  });

  it('runs the full suite, and says why, when no test imports the changed file', async () => {
    const ref = await changed('TASK-0006', (wt) =>
      fs.writeFileSync(path.join(wt, 'src/shout.js'), "module.exports = (s) => s + '!';\n"),
    );
    const evidence = await acts.runTaskTests({ ...ref, relatedTo: ['src/shout.js'] });
    expect(evidence).toMatchObject({
      command: 'npm test --silent',
      selection: 'full suite: no test imports src/shout.js',
      passed: true,
    });
    expect(log(evidence.logPath)).toContain('add adds two numbers');
    expect(log(evidence.logPath)).toContain('upper makes capitals');
  });

  it("runs a task's own test command as given", async () => {
    const ref = await changed('TASK-0001', (wt) => fs.appendFileSync(path.join(wt, 'src/math.js'), '// documented\n'));
    const evidence = await acts.runTaskTests({ ...ref, command: 'node --test test/math.test.js' });
    expect(evidence.command).toBe('node --test test/math.test.js');
    expect(evidence.selection).toBeUndefined();
    expect(evidence.passed).toBe(true);
  });
});
