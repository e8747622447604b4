import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Git } from '../../activities/git/git';
import { runChecks, taskFileEdits, testConfigEdits } from '../../activities/review/checks';
import { configTextsOf } from '../../activities/review/config-texts';
import { type FileDiff, parseUnifiedDiff } from '../../activities/review/diff';
import { worktreeDiff } from '../../activities/review/task-diff';

/**
 * Issue 22: the gate cannot be disabled by the change under test. A change that edits how the tests run (the
 * test script, the runner's configuration or setup, pytest's conftest.py, .npmrc's script shell, a script the
 * task's own tests command runs) is flagged by the review checks; a change to task files is flagged too.
 */

/** A one-hunk diff of `path` that replaces `before` with `after`. */
function change(path: string, before: string[], after: string[]): string {
  return (
    [
      `diff --git a/${path} b/${path}`,
      'index 1111111..2222222 100644',
      `--- a/${path}`,
      `+++ b/${path}`,
      `@@ -1,${before.length} +1,${after.length} @@`,
      ...before.map((l) => `-${l}`),
      ...after.map((l) => `+${l}`),
    ].join('\n') + '\n'
  );
}
const files = (...diffs: string[]): FileDiff[] => parseUnifiedDiff(diffs.join(''));
const TASK = '---\nid: TASK-0001\ntitle: Tidy\ncategory: docs\nrisk: low\nfiles: [src/a.js]\n---\nTidy.\n';
const pkg = (scripts: Record<string, string>, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ name: 'x', scripts, ...extra }, null, 2);

describe('review checks: test configuration and task files (issue 22)', () => {
  it("flags a change to package.json's test script (or a script it runs), not one to its dependencies", () => {
    const diff = files(change('package.json', ['"test": "jest"'], ['"test": "true"']));
    const emptied = testConfigEdits(diff, [], TASK, {
      'package.json': { before: pkg({ test: 'jest' }), after: pkg({ test: 'true' }) },
    });
    expect(emptied).toEqual([
      {
        check: 'test-config',
        file: 'package.json',
        message:
          'changes the test scripts or the test runner settings in package.json (package.json): the test command that judges this change would run differently; a task may not change how its tests run',
      },
    ]);
    const viaRun = {
      before: pkg({ test: 'npm run unit', unit: 'jest' }),
      after: pkg({ test: 'npm run unit', unit: 'jest --testPathIgnorePatterns .' }),
    };
    expect(testConfigEdits(diff, [], TASK, { 'package.json': viaRun })).toHaveLength(1);
    const jestKey = { before: pkg({ test: 'jest' }), after: pkg({ test: 'jest' }, { jest: { testMatch: [] } }) };
    expect(testConfigEdits(diff, [], TASK, { 'package.json': jestKey })).toHaveLength(1);
    const deps = {
      before: pkg({ test: 'jest', lint: 'eslint .' }, { dependencies: { a: '1' } }),
      after: pkg({ test: 'jest', lint: 'eslint src' }, { dependencies: { a: '2' } }),
    };
    expect(testConfigEdits(diff, [], TASK, { 'package.json': deps })).toEqual([]);
    // Declaring package.json does not make its test script the task's business; without the texts, any change counts.
    expect(
      testConfigEdits(diff, ['package.json'], TASK, {
        'package.json': { before: pkg({ test: 'jest' }), after: pkg({ test: 'true' }) },
      }),
    ).toHaveLength(1);
    expect(testConfigEdits(diff, [], TASK)).toHaveLength(1);
  });

  it("flags the runners' configuration and setup files, conftest.py, a Makefile and .npmrc, unless the task names the file", () => {
    const paths = [
      'jest.config.js',
      'vitest.config.ts',
      'vite.config.mjs',
      '.mocharc.yml',
      'test/jest.setup.js',
      'src/setupTests.ts',
      'pytest.ini',
      'tests/conftest.py',
      'Makefile',
      '.npmrc',
    ];
    const diff = files(...paths.map((p) => change(p, ['a'], ['b'])));
    expect(testConfigEdits(diff, [], TASK).map((f) => f.file)).toEqual(paths);
    expect(testConfigEdits(diff, ['jest.config.js', 'Makefile'], TASK).map((f) => f.file)).toEqual(
      paths.filter((p) => p !== 'jest.config.js' && p !== 'Makefile'),
    );
    expect(
      testConfigEdits(
        files(change('src/config.js', ['a'], ['b']), change('src/jest-helpers.js', ['a'], ['b'])),
        [],
        TASK,
      ),
    ).toEqual([]);
  });

  it("flags pytest's sections of pyproject.toml, setup.cfg and tox.ini, not the rest of them", () => {
    const diff = files(change('pyproject.toml', ['a'], ['b']));
    const pyproject = (addopts: string, version: string) =>
      `[project]\nname = "x"\nversion = "${version}"\n\n[tool.pytest.ini_options]\naddopts = "${addopts}"\n`;
    expect(
      testConfigEdits(diff, [], TASK, {
        'pyproject.toml': { before: pyproject('-q', '1'), after: pyproject('-q --co', '1') },
      }),
    ).toHaveLength(1);
    expect(
      testConfigEdits(diff, [], TASK, {
        'pyproject.toml': { before: pyproject('-q', '1'), after: pyproject('-q', '2') },
      }),
    ).toEqual([]);
    const cfg = (opts: string) => `[metadata]\nname = x\n[tool:pytest]\naddopts = ${opts}\n`;
    expect(
      testConfigEdits(files(change('setup.cfg', ['a'], ['b'])), [], TASK, {
        'setup.cfg': { before: cfg('-q'), after: cfg('-k nothing') },
      }),
    ).toHaveLength(1);
  });

  it("flags a script the task's own tests command runs, but not the test file it runs", () => {
    const task = TASK.replace('risk: low\n', 'risk: low\ntests: "sh ./scripts/check.sh && npx jest test/a.test.js"\n');
    const diff = files(change('scripts/check.sh', ['npx jest'], ['exit 0']), change('test/a.test.js', ['a'], ['b']));
    expect(testConfigEdits(diff, [], task)).toEqual([
      expect.objectContaining({
        file: 'scripts/check.sh',
        message: expect.stringContaining("a file the task's own tests command runs"),
      }),
    ]);
  });

  it("flags a file package.json's test script runs (read at the base)", () => {
    const texts = {
      'package.json': {
        before: pkg({ test: 'node ./scripts/run-tests.js --ci', lint: 'node scripts/lint.js' }),
        after: null,
      },
    };
    const diff = files(
      change('scripts/run-tests.js', ['run()'], ['process.exit(0)']),
      change('scripts/lint.js', ['a'], ['b']),
    );
    expect(testConfigEdits(diff, [], TASK, texts)).toEqual([
      expect.objectContaining({
        file: 'scripts/run-tests.js',
        message: expect.stringContaining("a file package.json's test script runs"),
      }),
    ]);
  });

  it('flags a change to task files, and runChecks reports both kinds first', () => {
    const diff = files(
      change('tasks/TASK-0002.md', ['tests: npm test'], ['tests: "true"']),
      change('jest.config.js', ['a'], ['b']),
    );
    expect(taskFileEdits(diff)).toEqual([
      {
        check: 'task-files',
        file: 'tasks/TASK-0002.md',
        message: "changes tasks/TASK-0002.md: task files (tasks/) are the run's backlog, never part of a change",
      },
    ]);
    const found = runChecks({
      category: 'docs',
      taskText: TASK,
      declared: ['src/a.js', 'jest.config.js', 'tasks/TASK-0002.md'],
      summary: 'edited jest.config.js and tasks/TASK-0002.md',
      files: diff,
    });
    expect(found.map((f) => f.check)).toEqual(['task-files']);
    const again = runChecks({
      category: 'docs',
      taskText: TASK,
      declared: ['src/a.js'],
      summary: 'jest.config.js',
      files: files(change('jest.config.js', ['a'], ['b'])),
    });
    expect(again.map((f) => f.check)).toEqual(['test-config']);
  });

  it("reads package.json at the task's base and in its worktree: emptying the test script is flagged, a dependency bump is not", async () => {
    const wt = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-test-config-'));
    const git = (...a: string[]) =>
      execFileSync('git', ['-c', 'user.name=T', '-c', 'user.email=t@x', ...a], { cwd: wt }).toString();
    git('init', '-q');
    fs.writeFileSync(path.join(wt, 'package.json'), pkg({ test: 'jest' }, { dependencies: { a: '1' } }));
    git('add', '-A');
    git('commit', '-qm', 'base');
    const base = git('rev-parse', 'HEAD').trim();
    const checksOn = async () => {
      const diff = files(await worktreeDiff(wt, base, ['package.json']));
      return runChecks({
        category: 'docs',
        taskText: TASK,
        declared: ['package.json'],
        summary: '',
        files: diff,
        configTexts: await configTextsOf(new Git(wt), wt, base, diff),
      });
    };
    fs.writeFileSync(path.join(wt, 'package.json'), pkg({ test: 'jest' }, { dependencies: { a: '2' } }));
    expect(await checksOn()).toEqual([]);
    fs.writeFileSync(path.join(wt, 'package.json'), pkg({ test: 'exit 0' }, { dependencies: { a: '1' } }));
    expect((await checksOn()).map((f) => f.check)).toEqual(['test-config']);
    // A script the test script runs, changed while package.json is not.
    fs.writeFileSync(path.join(wt, 'package.json'), pkg({ test: 'node run.js' }));
    fs.writeFileSync(path.join(wt, 'run.js'), 'require("./jest-run")();\n');
    git('add', '-A');
    git('commit', '-qm', 'a runner script');
    const next = git('rev-parse', 'HEAD').trim();
    fs.writeFileSync(path.join(wt, 'run.js'), 'process.exit(0);\n');
    const diff = files(await worktreeDiff(wt, next, ['run.js']));
    const found = runChecks({
      category: 'docs',
      taskText: TASK,
      declared: ['src/a.js'],
      summary: 'run.js',
      files: diff,
      configTexts: await configTextsOf(new Git(wt), wt, next, diff),
    });
    expect(found.map((f) => f.check)).toEqual(['test-config']);
  });
});
