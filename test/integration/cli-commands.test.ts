import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { simpleGit } from 'simple-git';
import { execute } from '../../client/args';
import { gcCommand } from '../../client/commands/gc';
import { planCommand } from '../../client/commands/plan';
import { makeSampleRepo } from '../helpers/sample-repo';

const collect = () => {
  const lines: string[] = [];
  return { lines, out: (l: string) => lines.push(l) };
};

describe('flotilla plan', () => {
  it('writes the markdown plan, the JSON plan, and explains a task', async () => {
    const repo = await makeSampleRepo();
    const md = path.join(repo, 'out', 'plan.md');
    const a = collect();
    expect(await execute(planCommand, ['--repo', repo, '--out', md], a.out)).toBe(0);
    expect(a.lines[0]).toMatch(/^Planned 5 tasks in 3 phases and 4 batches \(1 skipped\): /);
    expect(fs.readFileSync(md, 'utf8')).toContain('<phase_1>');

    const json = path.join(repo, 'out', 'plan.json');
    await execute(planCommand, ['--repo', repo, '--out', json, '--json'], () => undefined);
    const plan = JSON.parse(fs.readFileSync(json, 'utf8'));
    expect(Object.keys(plan.tasks).sort()).toEqual(['TASK-0001', 'TASK-0002', 'TASK-0003', 'TASK-0004', 'TASK-0006']);
    expect(plan.conflicts).toEqual([{ file: 'src/math.js', tasks: ['TASK-0001', 'TASK-0003', 'TASK-0004'] }]);

    const e = collect();
    await execute(planCommand, ['--repo', repo, '--explain', 'TASK-0003'], e.out);
    expect(e.lines.join('\n')).toContain('conflicts on src/math.js: TASK-0001 (1A), TASK-0004 (2A)');
  });

  it('says where the task files should be when there is no tasks/ folder', async () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-empty-'));
    await expect(execute(planCommand, ['--repo', empty], () => undefined)).rejects.toThrow(/tasks does not exist: put the task files/);
  });
});

describe('flotilla gc', () => {
  it('removes the worktrees a crashed run left behind and prunes them from the repository', async () => {
    const repo = await makeSampleRepo();
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-gc-'));
    const leftover = path.join(root, 'crashed-run', 'TASK-0001');
    await simpleGit(repo).raw(['worktree', 'add', '--detach', leftover, 'HEAD']);
    const g = collect();
    // gc asks the server whether each run is still going; this one is unknown there, so its worktrees go.
    const prev = process.env.TEMPORAL_ADDRESS;
    process.env.TEMPORAL_ADDRESS = process.env.FLOTILLA_TEST_TEMPORAL;
    try {
      await execute(gcCommand, ['--worktrees', root], g.out);
    } finally {
      if (prev === undefined) delete process.env.TEMPORAL_ADDRESS;
      else process.env.TEMPORAL_ADDRESS = prev;
    }
    expect(g.lines).toContain(`removed ${leftover}`);
    expect(fs.existsSync(path.join(root, 'crashed-run'))).toBe(false);
    expect((await simpleGit(repo).raw(['worktree', 'list'])).trim().split('\n')).toHaveLength(1);
  });
});
