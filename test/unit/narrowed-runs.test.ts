import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { baselineReportRun, gatedReportRun, type SavedBaseline } from '../../activities/test-runs/run-with-report';

/**
 * Real runners (go, jest, pytest, node --test) on tiny projects: the suite at the base, then a task's command
 * narrowed with the runner's own name filter, judged against that baseline. Tests the filter did not select
 * are never "vanished"; a selected test that is gone from a file the task did not edit still is.
 */

const write = (dir: string, files: Record<string, string>) => {
  for (const [f, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    fs.writeFileSync(path.join(dir, f), text);
  }
};

function project(name: string, files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `flotilla-narrowed-${name}-`));
  write(dir, files);
  return dir;
}

async function baseline(dir: string, command: string): Promise<SavedBaseline> {
  const { saved } = await baselineReportRun(
    command,
    dir,
    path.join(dir, '.logs', 'baseline.log'),
    path.join(dir, '.logs', 'baseline.json'),
  );
  expect(saved.passed).toBe(true);
  expect(saved.results?.tests.length).toBeGreaterThan(0);
  return saved;
}

let n = 0;
const gate = (
  dir: string,
  command: string,
  base: SavedBaseline,
  edited: string[],
  extra: { changedSinceBase?: string[] } = {},
) =>
  gatedReportRun(command, dir, path.join(dir, '.logs', `change-${++n}.log`), {
    baseline: base,
    knownFlaky: [],
    edited,
    fullSuite: false,
    maxReruns: 1,
    ...extra,
  });

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

describe('go test -run (test ids per package)', () => {
  let dir: string;
  let base: SavedBaseline;
  const dceTests = (keepExports: boolean) =>
    [
      'package dce',
      'import "testing"',
      'func TestDCE(t *testing.T) { if Keep() != 1 { t.Fatal("no") } }',
      ...(keepExports ? ['func TestDCEKeepsExports(t *testing.T) {}'] : []),
      'func TestOther(t *testing.T) {}',
      'func TestTable(t *testing.T) { t.Run("one", func(t *testing.T) {}); t.Run("two", func(t *testing.T) {}) }',
      '',
    ].join('\n');
  beforeAll(async () => {
    dir = project('go', {
      'go.mod': 'module example.com/dce\n\ngo 1.21\n',
      'dce.go': 'package dce\n\nimport "example.com/dce/util"\n\nfunc Keep() int { return util.One() }\n',
      'dce_test.go': dceTests(true),
      'util/util.go': 'package util\n\nfunc One() int { return 1 }\n',
      'util/util_test.go':
        'package util\n\nimport "testing"\n\nfunc TestOne(t *testing.T) { if One() != 1 { t.Fatal("no") } }\n',
    });
    dirs.push(dir);
    base = await baseline(dir, 'go test ./...');
    expect(base.results!.tests.map((t) => `${t.file}::${t.name}`)).toContain('example.com/dce::TestTable/one');
  }, 120_000);

  it('a task narrowed with -run commits: the package tests -run left out are not vanished', async () => {
    write(dir, { 'util/util.go': 'package util\n\n// One is one.\nfunc One() int { return 1 }\n' });
    const judged = await gate(dir, 'go test -run TestDCE ./...', base, ['util/util.go']);
    expect(judged.first.results!.tests.map((t) => t.name).sort()).toEqual(['TestDCE', 'TestDCEKeepsExports']);
    expect(judged.verdict).toMatchObject({ passed: true, failing: [], removed: [] });
  }, 120_000);

  it('a test -run selects that is gone from a package the task did not edit still fails', async () => {
    write(dir, { 'dce_test.go': dceTests(false) });
    try {
      const judged = await gate(dir, 'go test -run TestDCE ./...', base, ['util/util.go']);
      expect(judged.verdict.passed).toBe(false);
      expect(judged.verdict.failing).toEqual(['example.com/dce::TestDCEKeepsExports (vanished)']);
      // Removed from the root package the task edited: allowed, and listed (the root package is the module's path).
      const own = await gate(dir, 'go test -run TestDCE ./...', base, ['dce_test.go']);
      expect(own.verdict).toMatchObject({ passed: true, removed: ['example.com/dce::TestDCEKeepsExports'] });
      // Removed by an earlier task's commit (the file changed on the branch before this task started): not this task's.
      const earlier = await gate(dir, 'go test -run TestDCE ./...', base, ['util/util.go'], {
        changedSinceBase: ['dce_test.go'],
      });
      expect(earlier.verdict).toMatchObject({ passed: true, failing: [], removed: [] });
    } finally {
      write(dir, { 'dce_test.go': dceTests(true) });
    }
  }, 120_000);
});

describe('jest -t (test ids per file)', () => {
  let dir: string;
  let base: SavedBaseline;
  beforeAll(async () => {
    dir = project('jest', {
      'package.json': JSON.stringify({
        name: 'lab',
        private: true,
        scripts: { test: 'jest' },
        jest: { testEnvironment: 'node' },
      }),
      'src/math.js': 'module.exports = { add: (a, b) => a + b, sub: (a, b) => a - b };\n',
      'test/math.test.js':
        "const m = require('../src/math');\ndescribe('math', () => {\n  it('adds', () => expect(m.add(1, 2)).toBe(3));\n  it('subtracts', () => expect(m.sub(2, 1)).toBe(1));\n  it('adds again', () => expect(m.add(2, 2)).toBe(4));\n});\n",
      'test/other.test.js': "it('other', () => {});\n",
    });
    dirs.push(dir);
    fs.symlinkSync(path.resolve(__dirname, '../../node_modules'), path.join(dir, 'node_modules'), 'dir');
    base = await baseline(dir, 'npm test');
  }, 120_000);

  it('npm test -- -t adds: the tests jest reports skipped for the filter are not vanished; a selected one gone is', async () => {
    const judged = await gate(dir, 'npm test -- -t adds test/math.test.js', base, ['src/math.js']);
    expect(judged.runs[0].source).toBe('report');
    expect(judged.verdict).toMatchObject({ passed: true, failing: [] });
    const was = fs.readFileSync(path.join(dir, 'test/math.test.js'), 'utf8');
    write(dir, { 'test/math.test.js': was.replace(/\n  it\('adds again'.*\n/, '\n') });
    try {
      const lost = await gate(dir, 'npm test -- -t adds test/math.test.js', base, ['src/math.js']);
      expect(lost.verdict.failing).toEqual(['test/math.test.js::math › adds again (vanished)']);
    } finally {
      write(dir, { 'test/math.test.js': was });
    }
  }, 120_000);

  it('the change empties the test script: the suite reported tests at the base and none now, so it fails', async () => {
    write(dir, { 'package.json': JSON.stringify({ name: 'lab', private: true, scripts: { test: 'echo ok' } }) });
    const judged = await gatedReportRun('npm test', dir, path.join(dir, '.logs', 'emptied.log'), {
      baseline: base,
      knownFlaky: [],
      edited: ['package.json'],
      fullSuite: true,
      maxReruns: 1,
    });
    expect(judged.first.exitCode).toBe(0);
    expect(judged.verdict.passed).toBe(false);
    expect(judged.verdict.reason).toContain('none now');
  }, 120_000);
});

describe('pytest -k and node --test-name-pattern (test ids per file)', () => {
  it('pytest -k add: deselected tests are not vanished; a selected test gone from an unedited file is', async () => {
    const dir = project('pytest', {
      'tests/test_m.py':
        'def test_add():\n    assert 1 + 1 == 2\n\ndef test_sub():\n    assert 2 - 1 == 1\n\nclass TestX:\n    def test_add_twice(self):\n        assert 2 + 2 == 4\n',
      'm.py': 'X = 1\n',
    });
    dirs.push(dir);
    const base = await baseline(dir, 'python3 -m pytest -p no:cacheprovider tests/');
    const judged = await gate(dir, 'python3 -m pytest -p no:cacheprovider -k add tests/', base, ['m.py']);
    expect(judged.first.results!.tests.map((t) => t.name).sort()).toEqual(['TestX::test_add_twice', 'test_add']);
    expect(judged.verdict).toMatchObject({ passed: true, failing: [] });
    write(dir, {
      'tests/test_m.py': 'def test_add():\n    assert 1 + 1 == 2\n\ndef test_sub():\n    assert 2 - 1 == 1\n',
    });
    const lost = await gate(dir, 'python3 -m pytest -p no:cacheprovider -k add tests/', base, ['m.py']);
    expect(lost.verdict.failing).toEqual(['tests/test_m.py::TestX::test_add_twice (vanished)']);
  }, 120_000);

  it('node --test-name-pattern: tests node skips for the pattern are not vanished', async () => {
    const dir = project('node', {
      'test/a.test.js':
        "const { describe, it, test } = require('node:test');\ndescribe('suite one', () => { it('alpha', () => {}); it('beta', () => {}); });\ntest('gamma', () => {});\n",
    });
    dirs.push(dir);
    const base = await baseline(dir, 'node --test test/');
    const judged = await gate(dir, 'node --test --test-name-pattern=alpha test/', base, ['lib.js']);
    expect(judged.verdict).toMatchObject({ passed: true, failing: [] });
  }, 120_000);
});
