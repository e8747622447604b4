import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { simpleGit } from 'simple-git';
import { spawnSync } from 'node:child_process';
import { Client, Connection } from '@temporalio/client';
import { execute } from '../../client/args';
import { main } from '../../client/cli';
import { gcCommand } from '../../client/commands/gc';
import { planCommand } from '../../client/commands/plan';
import { waitFor } from '../helpers/run-helpers';
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
    await expect(execute(planCommand, ['--repo', empty], () => undefined)).rejects.toThrow(
      /tasks does not exist: put the task files/,
    );
  });
});

describe('flotilla gc', () => {
  /** gc against the suite's server. */
  async function gcAt(root: string) {
    const g = collect();
    const prev = process.env.TEMPORAL_ADDRESS;
    process.env.TEMPORAL_ADDRESS = process.env.FLOTILLA_TEST_TEMPORAL;
    try {
      await execute(gcCommand, ['--worktrees', root], g.out);
    } finally {
      if (prev === undefined) delete process.env.TEMPORAL_ADDRESS;
      else process.env.TEMPORAL_ADDRESS = prev;
    }
    return g.lines;
  }

  it('removes only the worktrees of runs it can prove finished, and says why it keeps the others', async () => {
    const repo = await makeSampleRepo();
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-gc-'));
    const stamp = Date.now();
    const [finished, unproven, live] = [`gc-finished-${stamp}`, `gc-unproven-${stamp}`, `gc-live-${stamp}`];
    for (const run of [finished, unproven, live])
      await simpleGit(repo).raw(['worktree', 'add', '--lock', '--detach', path.join(root, run, 'TASK-0001'), 'HEAD']);
    // Unknown to the server, but its report.json says it finished: provably over.
    fs.mkdirSync(path.join(repo, '.flotilla', 'runs', finished), { recursive: true });
    fs.writeFileSync(
      path.join(repo, '.flotilla', 'runs', finished, 'report.json'),
      JSON.stringify({ runId: finished, status: 'completed' }),
    );
    // Running on the server (a queue no worker polls): its worktrees stay, whatever else is true.
    const connection = await Connection.connect({ address: process.env.FLOTILLA_TEST_TEMPORAL! });
    const client = new Client({ connection });
    const handle = await client.workflow.start('flotillaRun', {
      taskQueue: `nobody-${stamp}`,
      workflowId: `flotilla-${live}`,
      args: [],
    });
    try {
      const lines = await gcAt(root);
      expect(lines).toContainEqual(
        expect.stringMatching(
          new RegExp(
            `^removed ${path.join(root, finished, 'TASK-0001')} \\(unknown to the server, and .*report.json says it finished\\)`,
          ),
        ),
      );
      expect(lines).toContainEqual(
        expect.stringMatching(
          new RegExp(`^kept ${path.join(root, unproven)} .*unknown to the server .*cannot be proven finished`),
        ),
      );
      expect(lines).toContainEqual(
        expect.stringMatching(new RegExp(`^kept ${path.join(root, live)} .*the run is running on the server`)),
      );
      expect(fs.existsSync(path.join(root, finished))).toBe(false);
      expect(fs.existsSync(path.join(root, unproven, 'TASK-0001'))).toBe(true);
      expect(fs.existsSync(path.join(root, live, 'TASK-0001'))).toBe(true);
      // The removed one is gone from the repository's worktrees too (it was locked, as Flotilla's are).
      expect(await simpleGit(repo).raw(['worktree', 'list'])).not.toContain(finished);
      // Once the live run is over (terminated), its worktrees go too.
      await handle.terminate('test');
      expect(await gcAt(root)).toContainEqual(
        expect.stringMatching(new RegExp(`^removed ${path.join(root, live, 'TASK-0001')} \\(the run is terminated\\)`)),
      );
    } finally {
      await handle.terminate('test').catch(() => undefined);
      await connection.close();
    }
  });
});

/** main() with its output captured: the exit code, stdout and stderr. */
async function cli(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('--json', () => {
  const address = () => process.env.FLOTILLA_TEST_TEMPORAL!;

  it('plan --json prints the plan as JSON', async () => {
    const repo = await makeSampleRepo();
    const r = await cli('plan', '--repo', repo, '--json');
    expect(r.code).toBe(0);
    expect(Object.keys(JSON.parse(r.out).tasks)).toHaveLength(5);
  });

  it('runs --json prints an array of runs', async () => {
    // A run nobody works on (its task queue has no worker): it stays running until terminated.
    const connection = await Connection.connect({ address: address() });
    const client = new Client({ connection });
    const runId = `cli-json-${Date.now()}`;
    const handle = await client.workflow.start('flotillaRun', {
      taskQueue: `nobody-${runId}`,
      workflowId: `flotilla-${runId}`,
      args: [],
      memo: { repoPath: '/tmp/cli-json-repo' },
    });
    try {
      type Row = { runId: string; workflowId: string; state: string; started: string; repo: string };
      // The server's visibility store lists a new workflow a moment after it starts.
      let runs: Row[] = [];
      const mine = await waitFor(
        async () => {
          const r = await cli('runs', '--running', '--json', '--address', address());
          expect(r.code).toBe(0);
          runs = JSON.parse(r.out) as Row[];
          expect(Array.isArray(runs)).toBe(true);
          return runs.find((x) => x.runId === runId);
        },
        {
          what: `flotilla runs --running --json to list ${runId}`,
          timeoutMs: 30_000,
          intervalMs: 200,
          describe: () => `${runs.length} runs: ${runs.map((x) => x.runId).join(', ')}`,
        },
      );
      expect(mine).toEqual({
        runId,
        workflowId: `flotilla-${runId}`,
        state: 'running',
        started: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        repo: '/tmp/cli-json-repo',
      });
      const limited = await cli('runs', '--json', '--limit', '1', '--address', address());
      expect(JSON.parse(limited.out)).toHaveLength(1);
    } finally {
      await handle.terminate('test done');
      await connection.close();
    }
  });

  it('status and report of an unknown run exit 1 saying so, with --address and --namespace passed through', async () => {
    for (const command of ['status', 'report']) {
      const r = await cli(command, 'no-such-run', '--json', '--address', address(), '--namespace', 'default');
      expect(r.code).toBe(1);
      expect(r.out).toBe('');
      expect(r.err).toMatch(new RegExp(`^flotilla ${command}: Could not find run no-such-run`));
    }
  });
});

describe('the flotilla process', () => {
  // The CLI as a process (from the sources), pointed at a port nobody listens on: --help must not try it.
  const run = (...argv: string[]) =>
    spawnSync(process.execPath, ['-r', 'tsx/cjs', path.resolve(__dirname, '../../client/cli.ts'), ...argv], {
      encoding: 'utf8',
      env: { ...process.env, TEMPORAL_ADDRESS: '127.0.0.1:1' },
      timeout: 60_000,
    });

  it('run --help prints usage and exits 0 without starting a run; a typo exits 2 naming it', () => {
    const help = run('run', '--help');
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('Usage: flotilla run [options]');
    expect(help.stderr).toBe('');
    const typo = run('plan', '--max-paralel', '3');
    expect(typo.status).toBe(2);
    expect(typo.stderr).toBe(
      'flotilla plan: unknown option --max-paralel (did you mean --max-parallel?)\nsee flotilla plan --help\n',
    );
  });
});
