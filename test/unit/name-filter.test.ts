import { nameFilterOf } from '../../activities/test-runs/name-filter';
import { type TestResults } from '../../activities/test-runs/reports/results';
import { verdict, type VerdictInput } from '../../activities/test-runs/verdict';

/** Which tests each runner's own name filter selects, with the names its report parser gives them. */
const selects = (command: string, file: string, name: string, scripts?: Record<string, string>) =>
  nameFilterOf(command, scripts)!.selects({ file, name });

describe('nameFilterOf', () => {
  it('go -run / -skip: per level of a test/subtest name, unanchored, with Go syntax', () => {
    const pkg = 'example.com/lab';
    expect(selects('go test -run TestDCE .', pkg, 'TestDCE')).toBe(true);
    expect(selects('go test -run TestDCE .', pkg, 'TestDCEMore')).toBe(true); // unanchored, like go
    expect(selects('go test -run TestDCE .', pkg, 'TestOther')).toBe(false);
    expect(selects("go test -run '^TestDCE$' .", pkg, 'TestDCEMore')).toBe(false);
    expect(selects('go test -run=TestTable/one ./...', pkg, 'TestTable')).toBe(true); // the parent runs so its subtest can
    expect(selects('go test -run=TestTable/one ./...', pkg, 'TestTable/one')).toBe(true);
    expect(selects('go test -run=TestTable/one ./...', pkg, 'TestTable/two')).toBe(false);
    expect(selects("go test -run '(?i)testdce' .", pkg, 'TestDCE')).toBe(true);
    expect(selects("go test -run 'TestA|TestB' -skip TestB .", pkg, 'TestB')).toBe(false);
    expect(selects("go test -run 'TestA|TestB' -skip TestB .", pkg, 'TestA')).toBe(true);
    expect(nameFilterOf('go test ./...', undefined)).toBeNull();
  });

  it('jest -t / --testNamePattern (through npm test --): ancestors and title joined by spaces, ignoring case', () => {
    const scripts = { test: 'jest --ci' };
    expect(selects('npx jest -t "adds two"', 'a.test.js', 'math › adds two')).toBe(true);
    expect(selects('npx jest --testNamePattern=^math', 'a.test.js', 'math › adds two')).toBe(true);
    expect(selects('npm test -- -t "MATH ADDS"', 'a.test.js', 'math › adds two', scripts)).toBe(true);
    expect(selects('npm test -- -t "math adds"', 'a.test.js', 'text › upper', scripts)).toBe(false);
    expect(nameFilterOf('npm test -- a.test.js', scripts)).toBeNull();
  });

  it('vitest -t is case-sensitive; mocha --grep/--fgrep/--invert match the full title', () => {
    expect(selects('npx vitest run -t "adds"', 'a.test.js', 'math › adds')).toBe(true);
    expect(selects('npx vitest run -t "ADDS"', 'a.test.js', 'math › adds')).toBe(false);
    expect(selects('npx mocha --grep adds', 'a.test.js', 'math adds')).toBe(true);
    expect(selects('npx mocha --grep adds --invert', 'a.test.js', 'math adds')).toBe(false);
    expect(selects('npx mocha --fgrep "math a"', 'a.test.js', 'math adds')).toBe(true);
  });

  it('node --test-name-pattern: the test or one of its ancestors matches; --test-skip-pattern removes', () => {
    expect(selects('node --test --test-name-pattern=alpha test/', 'test/a.test.js', 'suite one › alpha')).toBe(true);
    expect(selects('node --test --test-name-pattern=alpha test/', 'test/a.test.js', 'suite one › beta')).toBe(false);
    expect(selects('node --test --test-name-pattern="suite one" test/', 'test/a.test.js', 'suite one › beta')).toBe(
      true,
    );
    expect(selects('node --test --test-name-pattern=/ALPHA/i test/', 'test/a.test.js', 'alpha')).toBe(true);
    expect(selects('node --test --test-skip-pattern=beta test/', 'test/a.test.js', 'suite one › beta')).toBe(false);
  });

  it('pytest -k expressions over the test, class, module and folder names; node ids; --deselect; -m is never guessed', () => {
    const f = 'tests/test_math.py';
    expect(selects('pytest -k add tests/', f, 'test_add')).toBe(true);
    expect(selects('pytest -k "add and not slow" tests/', f, 'TestMath::test_add_slow')).toBe(false);
    expect(selects('pytest -k "TestMath or upper"', f, 'TestMath::test_sub')).toBe(true);
    expect(selects('pytest -k "test_math"', f, 'test_sub')).toBe(true); // the module's name counts
    expect(selects('python -m pytest -k "(sub)"', f, 'test_add')).toBe(false);
    expect(selects('pytest tests/test_math.py::TestMath::test_add', f, 'TestMath::test_add')).toBe(true);
    expect(selects('pytest tests/test_math.py::TestMath::test_add', f, 'TestMath::test_sub')).toBe(false);
    expect(selects('pytest tests/test_math.py::TestMath', f, 'TestMath::test_sub')).toBe(true);
    expect(selects('pytest --deselect tests/test_math.py::test_add tests/', f, 'test_add')).toBe(false);
    expect(selects('pytest -m slow', f, 'test_add')).toBe(false);
    expect(nameFilterOf('pytest tests/', undefined)).toBeNull();
  });
});

describe('verdict: a narrowed run is judged on what it selected', () => {
  const judge = (baseline: TestResults, run: TestResults, extra: Partial<VerdictInput>) =>
    verdict({ baseline, run, exitCode: 0, edited: [], flaky: [], fullSuite: false, ...extra });
  const t = (file: string, name: string, status: 'passed' | 'failed' | 'skipped' = 'passed') => ({
    file,
    name,
    status,
  });

  it('go (ids per package): tests of the package -run did not select are not vanished; a selected one that is gone is', () => {
    const pkg = 'example.com/dce';
    const base: TestResults = {
      tests: [
        t(pkg, 'TestDCE'),
        t(pkg, 'TestDCEKeepsExports'),
        t(pkg, 'TestOther'),
        t(pkg, 'TestTable'),
        t(pkg, 'TestTable/one'),
      ],
      fileErrors: [],
    };
    const filter = nameFilterOf('go test -run TestDCE .', undefined)!;
    const run: TestResults = { tests: [t(pkg, 'TestDCE'), t(pkg, 'TestDCEKeepsExports')], fileErrors: [] };
    expect(judge(base, run, { runner: 'go', selects: filter.selects })).toMatchObject({ passed: true, failing: [] });
    // Without the filter, every other test of the package "vanished" (the bug).
    expect(judge(base, run, { runner: 'go' }).failing).toEqual([
      'example.com/dce::TestOther (vanished)',
      'example.com/dce::TestTable (vanished)',
      'example.com/dce::TestTable/one (vanished)',
    ]);
    // A test the filter selects and that is gone still fails, unless the task edited its package.
    const lost: TestResults = { tests: [t(pkg, 'TestDCE')], fileErrors: [] };
    expect(judge(base, lost, { runner: 'go', selects: filter.selects }).failing).toEqual([
      'example.com/dce::TestDCEKeepsExports (vanished)',
    ]);
    expect(
      judge(base, lost, { runner: 'go', selects: filter.selects, edited: ['dce_test.go'], goModule: pkg }),
    ).toMatchObject({ passed: true, removed: ['example.com/dce::TestDCEKeepsExports'] });
  });

  it('jest/node (ids per file): a test -t reports skipped, or that is gone and -t did not select, is not vanished', () => {
    const base: TestResults = {
      tests: [t('a.test.js', 'math › adds'), t('a.test.js', 'math › subtracts'), t('a.test.js', 'math › old')],
      fileErrors: [],
    };
    const run: TestResults = {
      tests: [t('a.test.js', 'math › adds'), t('a.test.js', 'math › subtracts', 'skipped')],
      fileErrors: [],
    };
    const filter = nameFilterOf('npx jest -t adds', undefined)!;
    expect(judge(base, run, { runner: 'jest', selects: filter.selects })).toMatchObject({ passed: true });
    expect(judge(base, run, { runner: 'jest' }).failing).toEqual([
      'a.test.js::math › subtracts (now skipped)',
      'a.test.js::math › old (vanished)',
    ]);
    const wide = nameFilterOf('npx jest -t math', undefined)!;
    expect(judge(base, run, { runner: 'jest', selects: wide.selects }).failing).toEqual([
      'a.test.js::math › subtracts (now skipped)',
      'a.test.js::math › old (vanished)',
    ]);
  });

  it('pytest (ids per file): tests -k deselected are absent from the report and not vanished', () => {
    const f = 'tests/test_m.py';
    const base: TestResults = {
      tests: [t(f, 'test_add'), t(f, 'test_sub'), t(f, 'TestX::test_add_twice')],
      fileErrors: [],
    };
    const run: TestResults = { tests: [t(f, 'test_add'), t(f, 'TestX::test_add_twice')], fileErrors: [] };
    expect(
      judge(base, run, { runner: 'pytest', selects: nameFilterOf('pytest -k add tests/', undefined)!.selects }).passed,
    ).toBe(true);
    expect(
      judge(
        base,
        { tests: [t(f, 'test_add')], fileErrors: [] },
        { runner: 'pytest', selects: nameFilterOf('pytest -k add tests/', undefined)!.selects },
      ).failing,
    ).toEqual(['tests/test_m.py::TestX::test_add_twice (vanished)']);
  });
});

describe('verdict: the expected tests follow the branch', () => {
  const t = (file: string, name: string) => ({ file, name, status: 'passed' as const });
  const base: TestResults = {
    tests: [
      t('test/a.test.js', 'dup'),
      t('test/a.test.js', 'mislabelled'),
      t('test/a.test.js', 'kept'),
      t('test/b.test.js', 'b'),
    ],
    fileErrors: [],
  };
  // An earlier task removed "dup" and renamed "mislabelled" in a.test.js; this task edited src/b.js only.
  const now: TestResults = {
    tests: [t('test/a.test.js', 'kept'), t('test/a.test.js', 'labelled well'), t('test/b.test.js', 'b')],
    fileErrors: [],
  };
  const input = {
    baseline: base,
    run: now,
    exitCode: 0,
    edited: ['src/b.js'],
    flaky: [],
    fullSuite: true,
    runner: 'node',
  };

  it('tests gone from a file an earlier commit changed are not vanished for later tasks', () => {
    expect(verdict({ ...input, changedSinceBase: ['test/a.test.js', 'src/a.js'] })).toMatchObject({
      passed: true,
      failing: [],
      removed: [],
    });
    expect(verdict(input).failing).toEqual([
      'test/a.test.js::dup (vanished)',
      'test/a.test.js::mislabelled (vanished)',
    ]);
  });

  it('a test gone from a file nobody changed still fails', () => {
    const lost = { ...now, tests: now.tests.filter((x) => x.file !== 'test/b.test.js') };
    expect(verdict({ ...input, run: lost, changedSinceBase: ['test/a.test.js'] }).failing).toEqual([
      'test/b.test.js::b (vanished)',
    ]);
  });

  it('go: a change to a file at the module root maps to the root package', () => {
    const goBase: TestResults = {
      tests: [t('example.com/m', 'TestA'), t('example.com/m/sub', 'TestB')],
      fileErrors: [],
    };
    const goNow: TestResults = { tests: [t('example.com/m/sub', 'TestB')], fileErrors: [] };
    const go = { baseline: goBase, run: goNow, exitCode: 0, edited: [], flaky: [], fullSuite: true, runner: 'go' };
    expect(verdict({ ...go, changedSinceBase: ['m_test.go'], goModule: 'example.com/m' }).passed).toBe(true);
    expect(verdict({ ...go, changedSinceBase: ['sub/x.go'], goModule: 'example.com/m' }).failing).toEqual([
      'example.com/m::TestA (vanished)',
    ]);
  });
});

describe('verdict: results at the base, none now', () => {
  it('the baseline command reporting nothing after a change fails instead of passing by exit code', () => {
    const base: TestResults = { tests: [{ file: 'a.test.js', name: 'x', status: 'passed' }], fileErrors: [] };
    const v = verdict({
      baseline: base,
      run: null,
      exitCode: 0,
      edited: ['package.json'],
      flaky: [],
      fullSuite: true,
      expectResults: true,
    });
    expect(v.passed).toBe(false);
    expect(v.reason).toContain('none now');
    // A different command (a task's own, without a reporter) is still judged by its output.
    expect(verdict({ baseline: base, run: null, exitCode: 0, edited: [], flaky: [], fullSuite: false }).passed).toBe(
      true,
    );
  });
});
