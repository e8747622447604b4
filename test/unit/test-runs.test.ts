import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  parseCargoText,
  parseGoJson,
  parseJestJson,
  parseJunit,
  parseMochaJson,
  parseNodeEvents,
} from '../../activities/test-runs/reports/parse-reports';
import { type TestResults } from '../../activities/test-runs/reports/results';
import { baselineWithReruns, judgeWithReruns, type RunOnce } from '../../activities/test-runs/reruns';
import { baselineReportRun, gatedReportRun, runWithReport } from '../../activities/test-runs/run-with-report';
import { verdict, type VerdictInput } from '../../activities/test-runs/verdict';
import { rerunCommand, withReporter } from '../../activities/test-runs/reports/with-reporter';

/** Reports written by the real runners (jest 29.7, vitest 3.2, mocha 11, node 20.20 with node-reporter.ts, pytest 9.2, go 1.26, cargo 1.95) on tiny projects. */
const FIXTURES = path.join(__dirname, 'fixtures', 'test-reports');
const read = (f: string) => fs.readFileSync(path.join(FIXTURES, f), 'utf8');

const judge = (baseline: TestResults | null, run: TestResults | null, extra: Partial<VerdictInput> = {}) =>
  verdict({ baseline, run, exitCode: 1, edited: [], flaky: [], fullSuite: true, ...extra });

describe('parsers on real reports', () => {
  it('jest: tests by file with ancestors; "Test suite failed to run" is a failure of the file', () => {
    const after = parseJestJson(read('jest-after.json'), '/tmp/judge-lab/jest');
    expect(after.tests).toEqual([
      { file: 'old.test.js', name: 'already red', status: 'failed' },
      { file: 'old.test.js', name: 'green', status: 'passed' },
      { file: 'old.test.js', name: 'math › adds', status: 'passed' },
      { file: 'old.test.js', name: 'math › later', status: 'skipped' },
    ]);
    expect(after.fileErrors).toEqual([
      { file: 'load.test.js', message: 'SyntaxError: /tmp/judge-lab/jest/broken.js: Unexpected token (1:18)' },
    ]);
    expect(parseJestJson(read('jest-base.json'), '/tmp/judge-lab/jest').fileErrors).toEqual([]);
  });

  it('vitest: the same shape; a file whose import does not parse is a file error', () => {
    const after = parseJestJson(read('vitest-after.json'), '/tmp/judge-lab/js');
    expect(after.fileErrors).toEqual([
      { file: 'test/load.test.js', message: expect.stringContaining('invalid JS syntax') },
    ]);
    expect(after.tests.find((t) => t.name === 'already red')).toEqual({
      file: 'test/old.test.js',
      name: 'already red',
      status: 'failed',
    });
  });

  it('node --test (Flotilla reporter): nested names, suites and todo left out, a file that fails to load is a file error', () => {
    const after = parseNodeEvents(read('node-after.jsonl'), '/tmp/judge-lab/node');
    expect(after.fileErrors).toEqual([{ file: 'b.test.js', message: "SyntaxError: Unexpected token ';'" }]);
    expect(after.tests).toEqual(
      expect.arrayContaining([
        { file: 'a.test.js', name: 'fails', status: 'failed' },
        { file: 'a.test.js', name: 'group › inner fails', status: 'failed' },
        { file: 'a.test.js', name: 'skipped one', status: 'skipped' },
        { file: 'd.test.js', name: 'parent › child bad', status: 'failed' },
        { file: 'd.test.js', name: 'parent', status: 'passed' },
        { file: 'd.test.js', name: 'todo one', status: 'skipped' },
      ]),
    );
    expect(after.tests.some((t) => t.name === 'group')).toBe(false);
    expect(parseNodeEvents(read('node-base.jsonl'), '/tmp/judge-lab/node').tests).toContainEqual({
      file: 'b.test.js',
      name: 'never runs',
      status: 'passed',
    });
  });

  it('pytest JUnit (xunit1): class::test names by file; a collection error is a failure of the file', () => {
    const base = parseJunit(read('pytest-base.xml'), '/tmp/judge-lab/py');
    expect(base.tests).toContainEqual({ file: 'tests/test_old.py', name: 'TestMath::test_param[2]', status: 'passed' });
    expect(base.tests).toContainEqual({ file: 'tests/test_old.py', name: 'test_skipped', status: 'skipped' });
    expect(base.tests).toContainEqual({ file: 'tests/test_old.py', name: 'test_already_red', status: 'failed' });
    expect(parseJunit(read('pytest-after.xml'), '/tmp/judge-lab/py')).toEqual({
      tests: [],
      fileErrors: [{ file: 'tests/test_load.py', message: 'SyntaxError: invalid syntax' }],
    });
  });

  it('go test -json: tests by package; a package that does not build is a file error', () => {
    const after = parseGoJson(read('go-after.jsonl'));
    expect(after.fileErrors).toEqual([
      { file: 'example.com/lab/broken', message: 'build failed: broken/b.go:2:16: not enough return values' },
    ]);
    expect(after.tests).toContainEqual({ file: 'example.com/lab/calc', name: 'TestTable/one', status: 'passed' });
    expect(after.tests).toContainEqual({ file: 'example.com/lab/calc', name: 'TestSkip', status: 'skipped' });
  });

  it('mocha JSON and cargo text', () => {
    expect(parseMochaJson(read('mocha-red.json'), '/tmp/judge-lab/js').tests).toEqual(
      expect.arrayContaining([
        { file: 'mtest/old.spec.js', name: 'already red', status: 'failed' },
        { file: 'mtest/old.spec.js', name: 'math later', status: 'skipped' },
      ]),
    );
    const base = parseCargoText(read('cargo-base.txt'), '/tmp/judge-lab/rs');
    expect(base.tests).toEqual([
      { file: 'src/lib.rs', name: 'tests::green', status: 'passed' },
      { file: 'src/lib.rs', name: 'tests::later', status: 'skipped' },
      { file: 'src/lib.rs', name: 'tests::already_red', status: 'failed' },
      { file: 'tests/integration.rs', name: 'integ_ok', status: 'passed' },
    ]);
    expect(parseCargoText(read('cargo-after.txt'), '/tmp/judge-lab/rs').fileErrors).toEqual([
      { file: 'tests/integration.rs', message: 'does not compile: error: this file contains an unclosed delimiter' },
    ]);
  });

  it('refuse text that is not their format', () => {
    expect(() => parseJestJson('{"x":1}')).toThrow('not a jest/vitest JSON report (no testResults)');
    expect(() => parseJunit('<html/>')).toThrow('not a JUnit XML report (no testsuites or testsuite)');
    expect(() => parseNodeEvents('hello')).toThrow('not a Flotilla node:test report');
  });
});

describe('verdict', () => {
  const pairs: Array<[string, (f: string) => TestResults, string]> = [
    [
      'jest',
      (f) => parseJestJson(read(`jest-${f}.json`), '/tmp/judge-lab/jest'),
      'load.test.js (failed to load: SyntaxError',
    ],
    [
      'vitest',
      (f) => parseJestJson(read(`vitest-${f}.json`), '/tmp/judge-lab/js'),
      'test/load.test.js (failed to load:',
    ],
    [
      'node',
      (f) => parseNodeEvents(read(`node-${f}.jsonl`), '/tmp/judge-lab/node'),
      "b.test.js (failed to load: SyntaxError: Unexpected token ';')",
    ],
    [
      'pytest',
      (f) => parseJunit(read(`pytest-${f}.xml`), '/tmp/judge-lab/py'),
      'tests/test_load.py (failed to load: SyntaxError: invalid syntax)',
    ],
    ['go', (f) => parseGoJson(read(`go-${f}.jsonl`)), 'example.com/lab/broken (failed to load: build failed'],
    [
      'cargo',
      (f) => parseCargoText(read(`cargo-${f}.txt`), '/tmp/judge-lab/rs'),
      'tests/integration.rs (failed to load: does not compile',
    ],
  ];
  it.each(pairs)(
    '%s: a file that fails to load behind an already-red test fails the change, naming the file',
    (runner, results, named) => {
      const v = judge(results('base'), results('after'), { runner, exitCode: runner === 'cargo' ? 101 : 1 });
      expect(v.passed).toBe(false);
      expect(v.failing.join('\n')).toContain(named);
    },
  );

  it('passes a run whose only failures were red at the base, and lists them', () => {
    const base = parseJestJson(read('jest-base.json'), '/tmp/judge-lab/jest');
    expect(judge(base, base, { runner: 'jest' })).toMatchObject({
      passed: true,
      failing: [],
      preExisting: ['old.test.js::already red'],
    });
  });

  it('fails a test green at the base that is red now, and a new red test', () => {
    const base: TestResults = { tests: [{ file: 'a.test.js', name: 'x', status: 'passed' }], fileErrors: [] };
    const run: TestResults = {
      tests: [
        { file: 'a.test.js', name: 'x', status: 'failed' },
        { file: 'a.test.js', name: 'new', status: 'failed' },
      ],
      fileErrors: [],
    };
    expect(judge(base, run)).toMatchObject({ passed: false, failing: ['a.test.js::x', 'a.test.js::new'] });
  });

  it('tests vanishing from a file the task did not edit fail; removed from an edited file is allowed and listed', () => {
    const base = parseJestJson(read('jest-base.json'), '/tmp/judge-lab/jest');
    const run: TestResults = { ...base, tests: base.tests.filter((t) => t.name !== 'green') };
    expect(judge(base, run, { runner: 'jest' })).toMatchObject({
      passed: false,
      failing: ['old.test.js::green (vanished)'],
    });
    const allowed = judge(base, run, { runner: 'jest', edited: ['old.test.js'] });
    expect(allowed).toMatchObject({ passed: true, removed: ['old.test.js::green'] });
    expect(allowed.reason).toContain('tests removed from edited files: old.test.js::green');
    // Skipped now where it passed before counts as gone.
    const skipped: TestResults = {
      ...base,
      tests: base.tests.map((t) => (t.name === 'green' ? { ...t, status: 'skipped' as const } : t)),
    };
    expect(judge(base, skipped, { runner: 'jest' }).failing).toEqual(['old.test.js::green (now skipped)']);
    // A whole file missing counts in a full-suite run only (a narrowed run did not run it).
    const noLoadFile: TestResults = { ...base, tests: base.tests.filter((t) => t.file !== 'load.test.js') };
    expect(judge(base, noLoadFile, { runner: 'jest' }).failing).toEqual(['load.test.js::uses broken (vanished)']);
    expect(judge(base, noLoadFile, { runner: 'jest', fullSuite: false }).passed).toBe(true);
    // Go: a test removed from a file of the package the task edited is allowed.
    const goBase = parseGoJson(read('go-base.jsonl'));
    const goRun: TestResults = { ...goBase, tests: goBase.tests.filter((t) => t.name !== 'TestGreen') };
    expect(judge(goBase, goRun, { runner: 'go', edited: ['calc/calc_test.go'] })).toMatchObject({
      passed: true,
      removed: ['example.com/lab/calc::TestGreen'],
    });
    expect(judge(goBase, goRun, { runner: 'go', edited: ['other/x.go'] }).passed).toBe(false);
  });

  it('fails a non-zero exit that no failure explains, and an exit code that means the runner broke', () => {
    const green: TestResults = { tests: [{ file: 'a.test.js', name: 'x', status: 'passed' }], fileErrors: [] };
    expect(judge(green, green, { runner: 'jest' })).toMatchObject({
      passed: false,
      failing: ['exit code 1 with no failed test'],
    });
    const red: TestResults = { tests: [{ file: 'a.test.js', name: 'x', status: 'failed' }], fileErrors: [] };
    expect(judge(red, red, { runner: 'jest' }).passed).toBe(true);
    expect(judge(red, red, { runner: 'jest', exitCode: 137 })).toMatchObject({
      passed: false,
      failing: ['exit code 137'],
    });
    expect(judge(red, red, { runner: 'pytest', exitCode: 3 }).passed).toBe(false);
    expect(judge(red, red, { runner: 'mocha', exitCode: 1 }).passed).toBe(true);
  });

  it('does not blame flaky tests or files', () => {
    const base: TestResults = { tests: [{ file: 'a.test.js', name: 'x', status: 'passed' }], fileErrors: [] };
    const run: TestResults = {
      tests: [{ file: 'a.test.js', name: 'x', status: 'failed' }],
      fileErrors: [{ file: 'b.test.js', message: 'timeout' }],
    };
    expect(judge(base, run, { flaky: ['a.test.js::x', 'b.test.js'] })).toMatchObject({
      passed: true,
      flaky: ['a.test.js::x', 'b.test.js'],
    });
  });

  it('without a report, judges by the text and fails a non-zero exit it cannot explain', () => {
    expect(judge(null, null, { textFailures: [] }).passed).toBe(false);
    expect(judge(null, null, { textFailures: ['old'], baselineTextFailures: ['old'] })).toMatchObject({
      passed: true,
      preExisting: ['old'],
    });
    expect(judge(null, null, { textFailures: ['old', 'new'], baselineTextFailures: ['old'] })).toMatchObject({
      passed: false,
      failing: ['new'],
    });
    expect(judge(null, null, { exitCode: 0 }).passed).toBe(true);
  });
});

describe('withReporter and rerunCommand', () => {
  const out = '/runs/r1/logs/t.report.json';
  it('adds the reporter through npm scripts and to direct commands', () => {
    expect(withReporter('npm test', { test: 'jest --ci' }, out)).toEqual({
      command: `npm test -- --json --outputFile=${out}`,
      runner: 'jest',
      format: 'jest-json',
      reportFile: out,
    });
    expect(withReporter('yarn test', { test: 'jest' }, out).command).toBe(`yarn test --json --outputFile=${out}`);
    expect(withReporter('npx vitest run', undefined, out).command).toBe(
      `npx vitest run --reporter=default --reporter=json --outputFile.json=${out}`,
    );
    expect(withReporter('npx mocha test/', undefined, out).command).toBe(
      `npx mocha test/ --reporter json --reporter-option output=${out}`,
    );
    expect(withReporter('python3 -m pytest -q', undefined, '/r/t.report.xml').command).toBe(
      'python3 -m pytest -q --junitxml=/r/t.report.xml -o junit_family=xunit1',
    );
    expect(withReporter('go test ./...', undefined, out)).toEqual({
      command: 'go test ./... -json',
      runner: 'go',
      format: 'go-json',
    });
    expect(withReporter('cargo test --workspace', undefined, out)).toEqual({
      command: 'cargo test --workspace',
      runner: 'cargo',
      format: 'cargo-text',
    });
  });

  it('node: rewrites to the runner with its flags before the files, keeping its own reporters on stdout', () => {
    // A glob the script left to the shell stays unquoted, so the shell still expands it (node 20's --test does not).
    expect(
      withReporter('npm test', { test: 'node --import tsx --test test/*.test.ts' }, '/r/t.report.jsonl').command,
    ).toMatch(/ --import tsx --test test\/\*\.test\.ts$/);
    expect(withReporter('npm test', { test: "node --test 'test/*.test.js'" }, '/r/t.report.jsonl').command).toMatch(
      / --test 'test\/\*\.test\.js'$/,
    );
    expect(withReporter('npm test', { test: 'node --test test/' }, '/r/t.report.jsonl').command).toBe(
      'node --test-reporter=spec --test-reporter-destination=stdout --test-reporter=/r/flotilla-node-reporter.mjs --test-reporter-destination=/r/t.report.jsonl --test test/',
    );
    expect(withReporter('node --test --test-reporter=tap', undefined, '/r/t.report.jsonl').command).toBe(
      'node --test-reporter-destination=stdout --test-reporter=/r/flotilla-node-reporter.mjs --test-reporter-destination=/r/t.report.jsonl --test --test-reporter=tap',
    );
    expect(withReporter('npm test', { test: 'node --test', pretest: 'tsc' }, out)).toEqual({
      command: 'npm test',
      note: expect.stringContaining('pre/post hooks'),
    });
    expect(withReporter('make test', undefined, out)).toEqual({
      command: 'make test',
      note: expect.stringContaining('no known test runner'),
    });
  });

  it('re-runs only the failures with the runner filter', () => {
    const only = [
      { file: 'test/a.test.js', name: 'math › adds (1+1)' },
      { file: 'test/a.test.js', name: 'other' },
    ];
    expect(rerunCommand('npm test', { test: 'jest' }, out, only).command).toBe(
      `npm test -- --json --outputFile=${out} 'test/a\\.test\\.js' -t '^(?:math adds \\(1\\+1\\)|other)$'`,
    );
    expect(rerunCommand('npx vitest run', undefined, out, only).command).toBe(
      `npx vitest run --reporter=default --reporter=json --outputFile.json=${out} test/a.test.js -t '^(?:math adds \\(1\\+1\\)|other)$'`,
    );
    expect(rerunCommand('node --test test/', undefined, '/r/t.report.jsonl', only).command).toBe(
      "node --test-reporter=spec --test-reporter-destination=stdout --test-reporter=/r/flotilla-node-reporter.mjs --test-reporter-destination=/r/t.report.jsonl --test '--test-name-pattern=^(?:math|adds \\(1\\+1\\)|other)$' test/a.test.js",
    );
    expect(
      rerunCommand('python3 -m pytest -q tests/', undefined, '/r/x.xml', [
        { file: 'tests/test_a.py', name: 'TestA::test_b[1]' },
        { file: 'tests/test_c.py' },
      ]).command,
    ).toBe(
      "python3 -m pytest -q --junitxml=/r/x.xml -o junit_family=xunit1 'tests/test_a.py::TestA::test_b[1]' tests/test_c.py",
    );
    expect(
      rerunCommand('go test -count=1 -run X ./...', undefined, out, [
        { file: 'example.com/m/calc', name: 'TestTable/one' },
        { file: 'example.com/m/calc', name: 'TestB' },
      ]).command,
    ).toBe("go test -json -count=1 -run '^(?:TestTable|TestB)$' example.com/m/calc");
    expect(rerunCommand('npx mocha', undefined, out, [{ file: 'test/a.js', name: 'math adds' }]).command).toBe(
      `npx mocha --reporter json --reporter-option output=${out} --grep '^(?:math adds)$'`,
    );
    expect(rerunCommand('cargo test', undefined, out, [{ file: 'src/lib.rs', name: 'tests::green' }]).command).toBe(
      'cargo test -- --exact tests::green',
    );
  });
});

describe('judgeWithReruns (fake runner)', () => {
  const base: TestResults = {
    tests: [
      { file: 'a.test.js', name: 'flip', status: 'passed' },
      { file: 'a.test.js', name: 'broken', status: 'passed' },
      { file: 'a.test.js', name: 'old', status: 'failed' },
    ],
    fileErrors: [],
  };
  const results = (failing: string[]): TestResults => ({
    tests: base.tests.map((t) => ({
      ...t,
      status: failing.includes(t.name) ? ('failed' as const) : ('passed' as const),
    })),
    fileErrors: [],
  });

  it('re-runs only the blamed tests; one that passes on a re-run is flaky, one that never does is blamed', async () => {
    const calls: Array<string[] | null> = [];
    let flips = 0;
    const runOnce: RunOnce = async (only) => {
      calls.push(only?.map((r) => r.name!) ?? null);
      const failing = ['old', 'broken', ...(flips++ < 2 ? ['flip'] : [])];
      return { exitCode: 1, results: results(failing) };
    };
    const judged = await judgeWithReruns(runOnce, {
      baseline: base,
      knownFlaky: [],
      edited: [],
      fullSuite: true,
      runner: 'jest',
    });
    expect(calls).toEqual([null, ['flip', 'broken'], ['flip', 'broken'], ['broken']]);
    expect(judged).toMatchObject({
      reruns: 3,
      newFlaky: ['a.test.js::flip'],
      verdict: {
        passed: false,
        failing: ['a.test.js::broken'],
        flaky: ['a.test.js::flip'],
        preExisting: ['a.test.js::old'],
      },
    });
  });

  it('a baseline whose only failures are flaky is green-with-flaky', async () => {
    let n = 0;
    const runOnce: RunOnce = async () => ({ exitCode: n++ === 0 ? 1 : 0, results: results(n === 1 ? ['flip'] : []) });
    expect(await baselineWithReruns(runOnce, { runner: 'jest' })).toMatchObject({
      passed: true,
      failing: [],
      flaky: ['a.test.js::flip'],
    });
    const red: RunOnce = async () => ({ exitCode: 1, results: results(['old']) });
    expect(await baselineWithReruns(red, { runner: 'jest' })).toMatchObject({
      passed: false,
      failing: ['a.test.js::old'],
      flaky: [],
    });
  });
});

describe('real node:test runs', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-test-runs-'));
    fs.mkdirSync(path.join(dir, 'test'));
    fs.writeFileSync(
      path.join(dir, 'package.json'),
      JSON.stringify({ name: 'lab', private: true, scripts: { test: 'node --test test/' } }),
    );
    fs.writeFileSync(path.join(dir, 'lib.js'), 'module.exports = { one: () => 1 };\n');
    fs.writeFileSync(
      path.join(dir, 'counter.js'),
      "const fs = require('fs'); module.exports = (name) => { const f = __dirname + '/' + name + '.count'; const n = (fs.existsSync(f) ? +fs.readFileSync(f, 'utf8') : 0) + 1; fs.writeFileSync(f, String(n)); return n; };\n",
    );
    fs.writeFileSync(
      path.join(dir, 'test', 'old.test.js'),
      "const test = require('node:test'); const assert = require('node:assert');\ntest('already red', () => assert.equal(1, 2));\ntest('green', () => {});\n",
    );
    fs.writeFileSync(
      path.join(dir, 'test', 'uses-lib.test.js'),
      "const test = require('node:test'); const assert = require('node:assert'); const lib = require('../lib');\ntest('one is 1', () => assert.equal(lib.one(), 1));\n",
    );
    // Fails on its 1st, 4th, 7th… run: 1 in 3.
    fs.writeFileSync(
      path.join(dir, 'test', 'flaky.test.js'),
      "const test = require('node:test'); const count = require('../counter');\ntest('sometimes', () => { if (count('flaky') % 3 === 1) throw new Error('flaked'); });\n",
    );
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('a module that stops loading behind an already-red test fails the gate, naming the file', async () => {
    const logs = path.join(dir, '.logs');
    const { saved } = await baselineReportRun(
      'npm test',
      dir,
      path.join(logs, 'baseline.log'),
      path.join(logs, 'baseline.json'),
    );
    expect(saved.failing).toEqual(['test/old.test.js::already red']);
    expect(saved.flaky).toEqual(['test/flaky.test.js::sometimes']);
    fs.writeFileSync(path.join(dir, 'lib.js'), 'module.exports = { one: () => 1 ;\n');
    try {
      const gated = await gatedReportRun('npm test', dir, path.join(logs, 'change.log'), {
        baseline: saved,
        knownFlaky: [],
        edited: ['lib.js'],
        fullSuite: true,
      });
      expect(gated.verdict.passed).toBe(false);
      expect(gated.verdict.failing).toEqual([
        expect.stringMatching(/^test\/uses-lib\.test\.js \(failed to load: SyntaxError/),
      ]);
      expect(gated.runs[0].source).toBe('report');
    } finally {
      fs.writeFileSync(path.join(dir, 'lib.js'), 'module.exports = { one: () => 1 };\n');
    }
  }, 60_000);

  it('over 21 judging rounds a 1-in-3 flaky test is never blamed and a broken one always is', async () => {
    const logs = path.join(dir, '.rounds');
    const base = await runWithReport('node --test test/', dir, path.join(logs, 'base.log'));
    const baseline = { ...base, results: base.results! };
    const sometimes = path.join(dir, 'test', 'flaky.test.js');
    const brokenFile = path.join(dir, 'test', 'broken.test.js');
    let blamedFlaky = 0;
    let blamedBroken = 0;
    let flakyFirstFailures = 0;
    for (let round = 0; round < 21; round++) {
      // The broken test is new in the "change": it always fails.
      fs.writeFileSync(
        brokenFile,
        "const test = require('node:test');\ntest('always', () => { throw new Error('broken'); });\n",
      );
      const gated = await gatedReportRun('node --test test/', dir, path.join(logs, `round-${round}.log`), {
        baseline: {
          results: baseline.results,
          passed: false,
          failing: [],
          flaky: [],
          exitCode: 1,
          reason: '',
          command: 'npm test',
        },
        knownFlaky: [],
        edited: ['test/broken.test.js'],
        fullSuite: true,
      });
      if (gated.first.results?.tests.some((t) => t.name === 'sometimes' && t.status === 'failed')) flakyFirstFailures++;
      if (gated.verdict.failing.some((f) => f.includes('sometimes'))) blamedFlaky++;
      if (gated.verdict.failing.includes('test/broken.test.js::always')) blamedBroken++;
      fs.rmSync(brokenFile);
    }
    expect(fs.existsSync(sometimes)).toBe(true);
    expect(flakyFirstFailures).toBeGreaterThanOrEqual(5); // the flaky test really did fail in some rounds
    expect(blamedFlaky).toBe(0);
    expect(blamedBroken).toBe(21);
  }, 240_000);
});
