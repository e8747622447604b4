import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { simpleGit } from 'simple-git';
import type { RunReport } from '../../core/types';
import { freePort } from '../../dev/temporal-server';

const CLI = path.resolve(__dirname, '../../bin/flotilla.js');

/** Runs `flotilla demo` as a user would (its own dev server, worker and stand-in model) and checks the outcome against git. */
describe('flotilla demo (end to end)', () => {
  it('plans and executes the demo backlog; git, the report and the demo tests agree', async () => {
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-e2e-'));
    const dir = path.join(work, 'demo');
    const port = await freePort();
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      FLOTILLA_STATE_DIR: path.join(work, 'state'),
      FLOTILLA_WORKTREES: path.join(work, 'worktrees'),
    };
    delete env.ANTHROPIC_API_KEY;
    delete env.TEMPORAL_ADDRESS;
    const child = spawn(
      process.execPath,
      [CLI, 'demo', '--dir', dir, '--port', String(port), '--ui-port', String(await freePort())],
      { env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    if (code !== 0) throw new Error(`flotilla demo exited with ${code}:\n${output}`);

    // What the user sees.
    const runId = /Started run (\S+)/.exec(output)![1];
    expect(output).toMatch(/Plan: .*plan\.md/);
    expect(output).toMatch(/Web UI: http:\/\/localhost:\d+\/namespaces\/default\/workflows\/flotilla-/);
    expect(output).toMatch(/batch 1A +parallel/);
    expect(output).toMatch(/Run \S+: completed/);

    // The report.
    const runDir = path.join(dir, '.flotilla', 'runs', runId);
    const report: RunReport = JSON.parse(fs.readFileSync(path.join(runDir, 'report.json'), 'utf8'));
    expect(report.status).toBe('completed');
    expect(report.tasks).toHaveLength(43);
    const byId = Object.fromEntries(report.tasks.map((t) => [t.id, t]));
    expect(byId['TASK-0012']).toMatchObject({ status: 'skipped' });
    expect(byId['TASK-0012'].reason).toContain('truncate');
    expect(byId['TASK-0027']).toMatchObject({ status: 'skipped' });
    expect(byId['TASK-0027'].reason).toContain('round');
    expect(byId['TASK-0043']).toMatchObject({ status: 'skipped' });
    expect(byId['TASK-0043'].reason).toContain('tasks/TASK-0043.md');
    const committed = report.tasks.filter((t) => t.status === 'committed');
    expect(committed).toHaveLength(40);
    expect(fs.readFileSync(path.join(runDir, 'plan.md'), 'utf8')).toContain('<phase_1>');

    // git agrees: exactly one "Complete TASK-x" commit per committed task, each archiving its task file.
    const git = simpleGit(dir);
    const log = (await git.raw(['log', '--format=%H\t%s', `${report.baseSha}..${report.branch}`])).trim().split('\n');
    expect(log).toHaveLength(committed.length);
    for (const t of committed) {
      const line = log.find((l) => l.startsWith(t.commit!));
      expect(line).toBe(`${t.commit}\tComplete ${t.id}: ${t.title}`);
      const files = await git.raw(['show', '--name-status', '--format=', t.commit!]);
      expect(files).toMatch(new RegExp(`^R100\\ttasks/${t.id}\\.md\\ttasks/archive/${t.id}\\.md$`, 'm'));
    }
    const tree = await git.raw(['ls-tree', '-r', '--name-only', report.branch!, 'tasks/']);
    expect(
      tree
        .split('\n')
        .filter((p) => /^tasks\/TASK-\d+\.md$/.test(p))
        .sort(),
    ).toEqual(['tasks/TASK-0012.md', 'tasks/TASK-0027.md', 'tasks/TASK-0043.md']);

    // The user's branch is untouched, and the demo's own tests pass on the run branch.
    expect((await git.raw(['rev-parse', 'main'])).trim()).toBe(report.baseSha);
    expect((await git.status()).isClean()).toBe(true);
    const check = path.join(work, 'check');
    await git.raw(['worktree', 'add', '--detach', check, report.branch!]);
    fs.symlinkSync(fs.realpathSync(path.join(dir, 'node_modules')), path.join(check, 'node_modules'));
    const tests = spawnSync('npm', ['test', '--silent'], { cwd: check, encoding: 'utf8' });
    expect(tests.status).toBe(0);
  }, 900_000);
});
