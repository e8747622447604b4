import { WorkflowFailedError } from '@temporalio/client';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { simpleGit } from 'simple-git';
import type { RunReport, RunSettings } from '../../core/types';
import { startRun } from '../../client/start-run';
import { statusQuery } from '../../workflows/run-messages';
import { runSettings } from '../helpers/run-helpers';
import { makeSampleRepo, taskFile } from '../helpers/sample-repo';
import { useTestWorker } from '../helpers/test-worker';

const worker = useTestWorker();

async function run(repo: string, extra: Partial<RunSettings> = {}): Promise<RunReport> {
  const handle = await startRun(worker().client, runSettings(repo, extra), worker().taskQueue);
  try {
    return await handle.result();
  } catch (err) {
    if (err instanceof WorkflowFailedError) return handle.query(statusQuery);
    throw err;
  }
}

const pkg = JSON.stringify({ name: 'gates', private: true, scripts: { test: 'node --test test/' } });
const level = 'module.exports = { level: 0 };\n';
const req = (m: string) =>
  `const test = require('node:test');\nconst assert = require('node:assert/strict');\nconst ${m} = require('../src/${m}');\n`;

/** TASK `id`: raises the level of src/<m>.js from 0 to 1 (a low-risk refactor), running `tests` when given. */
const raise = (id: string, m: string, tests?: string) =>
  taskFile(
    id,
    `Raise ${m}`,
    'refactor',
    'low',
    [`src/${m}.js`],
    `src/${m}.js`,
    'module.exports = { level: 0 };',
    'module.exports = { level: 1 };',
    tests,
  );

describe('quality gates on real repositories', () => {
  it('catches two tasks that pass alone but break the suite together, and reverts only the culprit', async () => {
    const repo = await makeSampleRepo({
      'package.json': pkg,
      'src/a.js': level,
      'src/b.js': level,
      'test/a.test.js': `${req('a')}test('a level is small', () => assert.ok(a.level <= 1));\n`,
      'test/b.test.js': `${req('b')}test('b level is small', () => assert.ok(b.level <= 1));\n`,
      'test/ab.test.js': `${req('a')}const b = require('../src/b');\ntest('a and b together stay below 2', () => assert.ok(a.level + b.level < 2));\n`,
      'tasks/TASK-0001.md': raise('TASK-0001', 'a', 'node --test test/a.test.js'),
      'tasks/TASK-0002.md': raise('TASK-0002', 'b', 'node --test test/b.test.js'),
      // Innocent changes in the same batch: they keep their commits.
      ...Object.fromEntries(
        ['c', 'd', 'e'].flatMap((m, i) => [
          [`src/${m}.js`, level],
          [`tasks/TASK-000${i + 3}.md`, raise(`TASK-000${i + 3}`, m, 'node --test test/a.test.js')],
        ]),
      ),
    });
    const report = await run(repo, { maxParallel: 5 });
    expect(report.status).toBe('completed');
    expect(report.batches).toHaveLength(1);
    const committed = report.tasks.filter((t) => t.status === 'committed');
    const dropped = report.tasks.filter((t) => t.status === 'skipped');
    expect(committed).toHaveLength(4);
    expect(committed.map((t) => t.id)).toEqual(expect.arrayContaining(['TASK-0003', 'TASK-0004', 'TASK-0005']));
    expect(dropped).toHaveLength(1);
    expect(dropped[0].reason).toContain('rolled back: the full suite failed on the run branch with this change');
    expect(dropped[0].reason).toContain('a and b together stay below 2');
    expect(report.batches[0].suite?.passed).toBe(true);
    expect(report.final?.passed).toBe(true);
    const log = (await simpleGit(repo).raw(['log', '--format=%H %s', `${report.baseSha}..${report.branch}`]))
      .trim()
      .split('\n');
    expect(log.sort()).toEqual(committed.map((t) => `${t.commit} Complete ${t.id}: ${t.title}`).sort());
  });

  it('catches a task whose own tests miss an unrelated test it breaks, at the batch suite', async () => {
    const repo = await makeSampleRepo({
      'package.json': pkg,
      'src/a.js': level,
      'test/a.test.js': `${req('a')}test('a level is small', () => assert.ok(a.level <= 1));\n`,
      'test/report.test.js': `${req('a')}test('the report shows level zero', () => assert.equal(a.level, 0));\n`,
      'tasks/TASK-0001.md': raise('TASK-0001', 'a', 'node --test test/a.test.js'),
    });
    const report = await run(repo);
    expect(report.status).toBe('completed');
    const t = report.tasks.find((x) => x.id === 'TASK-0001')!;
    expect(t.status).toBe('skipped');
    expect(t.reason).toContain('the report shows level zero');
    expect((await simpleGit(repo).revparse([report.branch!])).trim()).toBe(report.baseSha);
  });

  it('without a tests: command, runs the tests that import the changed file (also through another module), and catches a break there', async () => {
    const repo = await makeSampleRepo({
      'package.json': pkg,
      'src/a.js': level,
      'src/b.js': level,
      'src/format.js': "const a = require('./a');\nmodule.exports = () => `level ${a.level}`;\n",
      'test/a.test.js': `${req('a')}test('a level is small', () => assert.ok(a.level <= 1));\n`,
      'test/format.test.js': `${req('format')}test('the report shows level zero', () => assert.equal(format(), 'level 0'));\n`,
      'test/b.test.js': `${req('b')}test('b level is small', () => assert.ok(b.level <= 1));\n`,
      'tasks/TASK-0001.md': raise('TASK-0001', 'a'),
      'tasks/TASK-0002.md': taskFile(
        'TASK-0002',
        'Keep b',
        'docs',
        'low',
        ['src/b.js'],
        'src/b.js',
        'module.exports = { level: 0 };',
        '/** The level of b. */\nmodule.exports = { level: 0 };',
      ),
    });
    const report = await run(repo);
    expect(report.status).toBe('completed');
    const a = report.tasks.find((x) => x.id === 'TASK-0001')!;
    expect(a.status).toBe('skipped');
    expect(a.reason).toBe(
      'tests failed (node --test test/a.test.js test/format.test.js): test/format.test.js::the report shows level zero',
    );
    expect(a.tests).toMatchObject({
      passed: false,
      selection: 'related to src/a.js: test/a.test.js, test/format.test.js',
    });
    const b = report.tasks.find((x) => x.id === 'TASK-0002')!;
    expect(b).toMatchObject({ status: 'committed', tests: { passed: true, command: 'node --test test/b.test.js' } });
  });

  it('a change that makes another test file fail to load, behind an already-red test, is rolled back and the file is named', async () => {
    const repo = await makeSampleRepo({
      'package.json': pkg,
      'src/a.js': level,
      'src/b.js': level,
      'test/a.test.js': `${req('a')}test('a level is small', () => assert.ok(a.level <= 1));\n`,
      'test/b.test.js': `${req('b')}test('b level is small', () => assert.ok(b.level <= 1));\n`,
      'test/broken.test.js': `${req('a')}test('always broken', () => assert.fail('was already red'));\n`,
      // Its own tests pass; the syntax error it leaves in src/b.js only shows when test/b.test.js loads.
      'tasks/TASK-0001.md': taskFile(
        'TASK-0001',
        'Tidy b',
        'refactor',
        'low',
        ['src/b.js'],
        'src/b.js',
        'module.exports = { level: 0 };',
        'module.exports = { level: 0 ;',
        'node --test test/a.test.js',
      ),
    });
    const report = await run(repo, { allowFailingBaseline: true });
    expect(report.status).toBe('completed');
    const t = report.tasks.find((x) => x.id === 'TASK-0001')!;
    expect(t.status).toBe('skipped');
    expect(t.reason).toContain('rolled back: the full suite failed on the run branch with this change');
    expect(t.reason).toContain('test/b.test.js');
    expect(report.final?.passed).toBe(true);
    const subjects = (await simpleGit(repo).raw(['log', '--format=%s', `${report.baseSha}..${report.branch}`])).trim();
    expect(subjects).toBe('');
  });

  it('does not blame a flaky test on a task, and with --allow-failing-baseline treats already-red tests as red', async () => {
    // The counter lives in the worktree: the sandbox gives each command a private /tmp, so a test keeps
    // state between runs only where it may write, in its own worktree.
    const counter = `require('node:path').join(process.cwd(), '.flaky-counter')`;
    const repo = await makeSampleRepo({
      'package.json': pkg,
      'src/a.js': level,
      'test/flaky.test.js': `${req('a')}const fs = require('node:fs');\ntest('sometimes fails', () => {\n  const counter = ${counter};\n  const n = Number(fs.existsSync(counter) ? fs.readFileSync(counter, 'utf8') : 0) + 1;\n  fs.writeFileSync(counter, String(n));\n  assert.ok(n % 2 === 0);\n});\n`,
      'test/broken.test.js': `${req('a')}test('always broken', () => assert.fail('was already red'));\n`,
      'tasks/TASK-0001.md': raise('TASK-0001', 'a'),
    });
    const refused = await run(repo);
    expect(refused.status).toBe('failed');
    expect(refused.reason).toContain('always broken');
    expect(refused.reason).toContain('--allow-failing-baseline');

    const report = await run(repo, { allowFailingBaseline: true });
    expect(report.status).toBe('completed');
    expect(report.baseline?.failingTests).toEqual(['test/broken.test.js::always broken']);
    expect(report.baseline?.flaky).toContain('test/flaky.test.js::sometimes fails');
    expect(report.tasks.find((t) => t.id === 'TASK-0001')?.status).toBe('committed');
  });
});

describe('worktree environments', () => {
  it('installs dependencies once for the run (--install-cmd), runs --setup-cmd in each worktree, and commits neither', async () => {
    const repo = await makeSampleRepo({
      'package.json': pkg,
      '.gitignore': 'node_modules\nsrc/generated.js\n',
      'src/a.js':
        "const pad = require('leftpad');\nconst { stamp } = require('./generated');\nmodule.exports = { level: 0, label: pad(stamp) };\n",
      'test/a.test.js': `${req('a')}test('a is labelled', () => assert.equal(a.label, '>gen'));\n`,
      'tasks/TASK-0001.md': taskFile(
        'TASK-0001',
        'Raise a',
        'refactor',
        'low',
        ['src/a.js'],
        'src/a.js',
        'module.exports = { level: 0, label: pad(stamp) };',
        'module.exports = { level: 1, label: pad(stamp) };',
      ),
    });
    const installCommand = `mkdir -p node_modules/leftpad && echo "module.exports = (s) => '>' + s;" > node_modules/leftpad/index.js`;
    const setupCommand = `echo "exports.stamp = 'gen';" > src/generated.js`;
    const report = await run(repo, { installCommand, setupCommand });
    expect(report.status).toBe('completed');
    const t = report.tasks.find((x) => x.id === 'TASK-0001')!;
    expect(t.status).toBe('committed');
    const files = (await simpleGit(repo).raw(['show', '--no-renames', '--name-only', '--format=', t.commit!]))
      .trim()
      .split('\n')
      .sort();
    expect(files).toEqual(['src/a.js', 'tasks/TASK-0001.md', 'tasks/archive/TASK-0001.md']);
    expect(fs.existsSync(path.join(repo, 'node_modules'))).toBe(false);
    expect(fs.existsSync(path.join(repo, 'src/generated.js'))).toBe(false);
  });

  it('stops with the log and what to do when the install command fails', async () => {
    const repo = await makeSampleRepo({
      'package.json': pkg,
      'src/a.js': level,
      'test/a.test.js': `${req('a')}test('ok', () => {});\n`,
    });
    const report = await run(repo, { installCommand: 'echo cannot reach the registry >&2; exit 3' });
    expect(report.status).toBe('failed');
    expect(report.reason).toMatch(
      /the install command failed \(echo cannot reach the registry >&2; exit 3, exit 3\); see .*install\.log\. Fix it, or pass --install-cmd/,
    );
  });
});
