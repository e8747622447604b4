import { WorkflowFailedError } from '@temporalio/client';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { simpleGit } from 'simple-git';
import type { RunReport, RunSettings } from '../../core/types';
import { execute } from '../../client/args';
import { reportCommand } from '../../client/commands/report';
import { rollbackCommand } from '../../client/commands/rollback';
import { readRunReport } from '../../client/read-report';
import { startRun } from '../../client/start-run';
import { statusQuery } from '../../workflows/run-messages';
import { runSettings } from '../helpers/run-helpers';
import { makeSampleRepo, SAMPLE_FILES } from '../helpers/sample-repo';
import { useTestWorker } from '../helpers/test-worker';

const worker = useTestWorker();

const settings = (repoPath: string, runId: string): RunSettings =>
  runSettings(repoPath, { runId, attempts: 2, reviewBranch: true });

async function run(repoPath: string, runId: string): Promise<{ report: RunReport; failed: boolean }> {
  const handle = await startRun(worker().client, settings(repoPath, runId), worker().taskQueue);
  try {
    return { report: await handle.result(), failed: false };
  } catch (err) {
    if (!(err instanceof WorkflowFailedError)) throw err;
    return { report: await handle.query(statusQuery), failed: true };
  }
}

describe('flotillaRun on a real git repository', () => {
  it('commits passing tasks with their archive move, skips the breaking and malformed ones, and leaves the user branch alone', async () => {
    const repo = await makeSampleRepo();
    const git = simpleGit(repo);
    const mainBefore = (await git.revparse(['main'])).trim();
    const runId = `it-${Date.now()}`;
    const { report, failed } = await run(repo, runId);
    expect(failed).toBe(false);
    expect(report.status).toBe('completed');

    const byId = Object.fromEntries(report.tasks.map((t) => [t.id, t]));
    expect(Object.keys(byId).sort()).toEqual([
      'TASK-0001',
      'TASK-0002',
      'TASK-0003',
      'TASK-0004',
      'TASK-0005',
      'TASK-0006',
    ]);
    for (const id of ['TASK-0001', 'TASK-0002', 'TASK-0003', 'TASK-0006']) expect(byId[id].status).toBe('committed');
    expect(byId['TASK-0004'].status).toBe('skipped');
    expect(byId['TASK-0004'].reason).toContain('add adds two numbers');
    expect(byId['TASK-0004'].attempts).toBe(2);
    expect(byId['TASK-0005'].status).toBe('skipped');
    expect(byId['TASK-0005'].reason).toContain('tasks/TASK-0005.md');
    // The last batch's full suite passed on the final commit: the final validation says so instead of running it again.
    const lastSuite = [...report.batches].reverse().find((b) => b.suite);
    expect(report.final).toMatchObject({ passed: true, alreadyValidatedBy: `batch-${lastSuite!.id}` });
    expect(fs.existsSync(path.join(repo, '.flotilla', 'runs', runId, 'logs', 'final.log'))).toBe(false);

    // git agrees with the report: one "Complete" commit per committed task, each archiving its task file.
    const log = await git.raw(['log', '--format=%H %s', `${report.baseSha}..${report.branch}`]);
    const commits = log
      .trim()
      .split('\n')
      .map((l) => ({ sha: l.slice(0, 40), subject: l.slice(41) }));
    expect(commits.map((c) => c.subject).sort()).toEqual([
      'Complete TASK-0001: Document add',
      'Complete TASK-0002: Document upper',
      'Complete TASK-0003: Document sub',
      'Complete TASK-0006: Add a shout helper',
    ]);
    for (const t of report.tasks.filter((x) => x.status === 'committed')) {
      const c = commits.find((x) => x.sha === t.commit);
      expect(c?.subject).toBe(`Complete ${t.id}: ${t.title}`);
      const files = (await git.raw(['show', '--name-status', '--format=', t.commit!])).trim();
      expect(files).toMatch(new RegExp(`^R100\\ttasks/${t.id}\\.md\\ttasks/archive/${t.id}\\.md$`, 'm'));
    }
    // The breaking task's change never reached the branch; the final tree has the committed edits.
    expect(await git.show([`${report.branch}:src/math.js`])).toContain('return a + b;');
    expect(await git.show([`${report.branch}:src/math.js`])).toContain('/** Subtracts b from a. */');
    expect(await git.show([`${report.branch}:src/shout.js`])).toContain('toUpperCase');

    // The user's branch, working tree and task files are untouched.
    expect((await git.revparse(['main'])).trim()).toBe(mainBefore);
    expect((await git.revparse(['--abbrev-ref', 'HEAD'])).trim()).toBe('main');
    expect((await git.status()).isClean()).toBe(true);
    expect(fs.readFileSync(path.join(repo, 'src/math.js'), 'utf8')).toBe(SAMPLE_FILES['src/math.js']);
    expect(fs.existsSync(path.join(repo, 'tasks/TASK-0001.md'))).toBe(true);

    // Report and plan are on disk; worktrees are gone; the backup ref stays.
    const onDisk = JSON.parse(fs.readFileSync(path.join(repo, '.flotilla/runs', runId, 'report.json'), 'utf8'));
    expect(onDisk.tasks).toEqual(report.tasks);
    expect(fs.readFileSync(path.join(repo, '.flotilla/runs', runId, 'plan.md'), 'utf8')).toContain(
      '# Task Execution Plan',
    );
    expect((await git.raw(['worktree', 'list'])).trim().split('\n')).toHaveLength(1);
    expect((await git.raw(['rev-parse', `refs/flotilla/${runId}/backup`])).trim()).toBe(mainBefore);
    expect(report.usage.inputTokens).toBeGreaterThan(0);

    // A finished run's report is read from its result (no query, so no worker needed).
    expect(await readRunReport(worker().client, runId)).toEqual(report);

    // review.md: commits grouped, test evidence, skipped tasks with reasons, an exact rollback plan.
    const review = fs.readFileSync(path.join(repo, '.flotilla/runs', runId, 'review.md'), 'utf8');
    expect(review).toContain('### Phase 1');
    expect(review).toMatch(
      /\*\*docs\*\*\n\n- `[0-9a-f]{10}` TASK-0001: Document add \(batch 1A; 1 file, \+1 −0: src\/math\.js\)/,
    );
    expect(review).toContain('- Baseline (before any change): passed');
    expect(review).toContain('- After batch 1A (docs in src/math, src/text): passed');
    expect(review).toMatch(
      /- TASK-0004 \(skipped, batch 2A\): tests failed .*add adds two numbers.*\(\[test log\]\(.*tests-2\.log\)\)/,
    );
    // Each task's own tests: without a tests: command, the tests that import what it changed.
    expect(byId['TASK-0001'].tests).toMatchObject({
      passed: true,
      command: 'node --test test/math.test.js',
      selection: expect.stringContaining('related to src/math.js'),
    });
    expect(review).toContain('  - its tests: passed in ');
    expect(review).toContain(
      `git branch -D flotilla/${runId} flotilla/${runId}-review && git update-ref -d refs/flotilla/${runId}/backup`,
    );
    expect(review).toContain('- After batch 2A (refactor in src/math): not needed, no change was committed');
    expect(review).toContain(`git revert --no-edit ${byId['TASK-0003'].commit}   # TASK-0003`);

    // --review-branch: one commit per category, same final tree as the run branch.
    expect(report.reviewBranch?.branch).toBe(`flotilla/${runId}-review`);
    const reviewLog = (await git.raw(['log', '--format=%s', `${report.baseSha}..flotilla/${runId}-review`]))
      .trim()
      .split('\n');
    // Tasks of one category appear in the order they reached the run branch (parallel ones in finishing order).
    expect(reviewLog).toHaveLength(2);
    expect(reviewLog).toContain('refactor: 1 task (TASK-0006)');
    const docs = reviewLog.find((l) => l.startsWith('docs: 3 tasks ('))!;
    expect(docs.slice('docs: 3 tasks ('.length, -1).split(', ').sort()).toEqual([
      'TASK-0001',
      'TASK-0002',
      'TASK-0003',
    ]);
    expect((await git.raw(['rev-parse', `flotilla/${runId}-review^{tree}`])).trim()).toBe(
      (await git.raw(['rev-parse', `${report.branch}^{tree}`])).trim(),
    );

    // flotilla report --json: report.json as the run wrote it.
    const json: string[] = [];
    expect(
      await execute(reportCommand, [runId, '--json', '--address', process.env.FLOTILLA_TEST_TEMPORAL!], (l) =>
        json.push(l),
      ),
    ).toBe(0);
    expect(JSON.parse(json.join('\n'))).toEqual(
      JSON.parse(fs.readFileSync(path.join(repo, '.flotilla/runs', runId, 'report.json'), 'utf8')),
    );

    // flotilla rollback: the run branch goes back to its backup, and it says exactly what it removed.
    const lines: string[] = [];
    await execute(rollbackCommand, [runId, '--repo', repo], (l) => lines.push(l));
    expect((await git.revparse([report.branch!])).trim()).toBe(mainBefore);
    expect(lines[0]).toMatch(/Removed 4 commit\(s\):$/);
    expect(lines.filter((l) => /^  [0-9a-f]+ Complete TASK-\d+/.test(l))).toHaveLength(4);
    expect(fs.readFileSync(path.join(repo, '.flotilla/runs', runId, 'rollbacks.log'), 'utf8')).toContain(
      'Complete TASK-0001: Document add',
    );
  });

  it('refuses a dirty working tree with a message that says what to do', async () => {
    const repo = await makeSampleRepo();
    fs.appendFileSync(path.join(repo, 'src/math.js'), '// local edit\n');
    const { report, failed } = await run(repo, `dirty-${Date.now()}`);
    expect(failed).toBe(true);
    expect(report.status).toBe('failed');
    expect(report.reason).toMatch(/uncommitted changes \(src\/math\.js\)\. Commit or stash them/);
    expect((await readRunReport(worker().client, report.runId)).status).toBe('failed');
    expect(fs.readFileSync(path.join(repo, 'src/math.js'), 'utf8')).toContain('// local edit');
  });

  it('stops before any change when the baseline suite fails, naming the failing test', async () => {
    const repo = await makeSampleRepo({
      ...SAMPLE_FILES,
      'test/text.test.js': SAMPLE_FILES['test/text.test.js'].replace("'AB'", "'Ab'"),
    });
    const runId = `red-${Date.now()}`;
    const { report, failed } = await run(repo, runId);
    expect(failed).toBe(true);
    expect(report.reason).toContain('upper makes capitals');
    const branchLog = await simpleGit(repo).raw(['log', '--format=%s', `flotilla/${runId}`]);
    expect(branchLog.trim()).toBe('initial');
  });
});
