import { globToRegExp } from '../../activities/glob';
import { type ChangeFacts, chooseTestCommand, inSuite } from '../../activities/test-selection/narrow-command';
import { shellQuote, splitCommand } from '../../activities/test-selection/shell-words';
import { findRunner, splitRunnerArgs } from '../../activities/test-selection/test-runner';

/** What the graph found, as fixed answers. */
function facts(changed: string[], tests: string[], extra: Partial<ChangeFacts> = {}): ChangeFacts {
  return { changed, deleted: [], relatedTests: () => tests, goPackages: () => undefined, ...extra };
}

describe('shell words', () => {
  it('splits quotes and escapes, marks globs, and refuses compound commands and expansions', () => {
    expect(splitCommand(`node --test 'a b.js' "c d.js" e\\ f.js test/*.js`)).toEqual([
      { text: 'node', glob: false },
      { text: '--test', glob: false },
      { text: 'a b.js', glob: false },
      { text: 'c d.js', glob: false },
      { text: 'e f.js', glob: false },
      { text: 'test/*.js', glob: true },
    ]);
    for (const c of [
      'npm run build && npm test',
      'jest; echo',
      'jest | tee log',
      'jest > out',
      'jest $ARGS',
      'jest `x`',
      'make test &',
    ])
      expect(splitCommand(c)).toBeNull();
  });

  it('quotes only what needs it', () => {
    expect(shellQuote('test/a.test.js')).toBe('test/a.test.js');
    expect(shellQuote("it's here.js")).toBe(`'it'\\''s here.js'`);
    expect(shellQuote('test/*.js')).toBe(`'test/*.js'`);
    expect(splitCommand(`x ${shellQuote("it's $HOME.js")}`)?.[1].text).toBe("it's $HOME.js");
  });
});

describe('findRunner', () => {
  it('sees through npm, yarn and pnpm scripts, keeping env words and hooks in view', () => {
    const scripts = { test: 'NODE_ENV=test jest --ci', unit: 'npm run test', pretest: 'tsc' };
    const found = findRunner('CI=1 npm test --silent', scripts);
    expect(found).toMatchObject({
      call: {
        runner: 'jest',
        env: ['NODE_ENV=test'],
        exe: ['jest'],
        script: {
          manager: 'npm',
          name: 'test',
          call: ['npm', 'test', '--silent'],
          env: ['CI=1'],
          hooks: true,
          nested: false,
        },
      },
    });
    expect(findRunner('yarn unit', scripts)).toMatchObject({
      call: { runner: 'jest', script: { manager: 'yarn', name: 'unit', nested: true, hooks: true } },
    });
    expect(findRunner('pnpm run test', { test: 'vitest run' })).toMatchObject({
      call: { runner: 'vitest', exe: ['vitest'] },
    });
  });

  it('knows node --test, npx, python -m pytest and go test, and says why otherwise', () => {
    expect(findRunner('node --import tsx --test test/a.test.ts', undefined)).toMatchObject({
      call: { runner: 'node', exe: ['node'] },
    });
    expect(findRunner('node scripts/run.js --test', undefined)).toEqual({
      reason: expect.stringContaining('no known test runner'),
    });
    expect(findRunner('npx --yes mocha -r ts-node/register', undefined)).toMatchObject({
      call: { runner: 'mocha', exe: ['npx', '--yes', 'mocha'] },
    });
    expect(findRunner('python3 -m pytest -q', undefined)).toMatchObject({
      call: { runner: 'pytest', exe: ['python3', '-m', 'pytest'] },
    });
    expect(findRunner('go test -race ./...', undefined)).toMatchObject({ call: { runner: 'go', exe: ['go', 'test'] } });
    expect(findRunner('make test', undefined)).toEqual({ reason: expect.stringContaining('no known test runner') });
    expect(findRunner('npm test', {})).toEqual({ reason: 'package.json has no "test" script to read the runner from' });
    expect(findRunner('npm test', { test: 'tsc && jest' })).toEqual({
      reason: '"tsc && jest" is not a single simple command',
    });
  });

  it('splits runner arguments into flags with their values and file patterns', () => {
    const words = splitCommand(
      '--import tsx --test --test-reporter spec --experimental-test-coverage test/ extra.test.js',
    )!;
    expect(splitRunnerArgs('node', words)).toEqual({
      flags: ['--import', 'tsx', '--test', '--test-reporter', 'spec', '--experimental-test-coverage'],
      patterns: [
        { text: 'test/', glob: false },
        { text: 'extra.test.js', glob: false },
      ],
    });
    expect(
      splitRunnerArgs('mocha', splitCommand('-r ts-node/register --spec test/unit')!).patterns.map((p) => p.text),
    ).toEqual(['test/unit']);
    expect(splitRunnerArgs('go', splitCommand('--count=1 -run TestX ./...')!)).toEqual({
      flags: ['--count=1', '-run', 'TestX'],
      patterns: [{ text: './...', glob: false }],
    });
  });
});

describe('suite patterns', () => {
  it('matches globs, folders and files', () => {
    expect(globToRegExp('test/*.test.ts').test('test/a.test.ts')).toBe(true);
    expect(globToRegExp('test/*.test.ts').test('test/sub/a.test.ts')).toBe(false);
    expect(globToRegExp('**/*.{test,spec}.js').test('a/b/c.spec.js')).toBe(true);
    expect(globToRegExp('**/*.{test,spec}.js').test('c.test.js')).toBe(true);
    expect(globToRegExp('test/[ab].js').test('test/b.js')).toBe(true);
    expect(globToRegExp('test/{a.js').test('test/{a.js')).toBe(true);
    const w = (text: string) => ({ text, glob: false });
    expect(inSuite('test/unit/a.test.js', [w('./test/')])).toBe(true);
    expect(inSuite('test/e2e/a.test.js', [w('test/unit')])).toBe(false);
    expect(inSuite('anything.js', [])).toBe(true);
  });
});

describe('chooseTestCommand', () => {
  it('jest through npm: appends --findRelatedTests after --, with the changed files', () => {
    const chosen = chooseTestCommand(
      'npm test --silent',
      { test: 'jest' },
      facts(['src/a.ts', "src/it's.ts"], ['test/a.test.ts']),
    );
    expect(chosen.command).toBe(`npm test --silent -- --findRelatedTests src/a.ts 'src/it'\\''s.ts' --passWithNoTests`);
    expect(chosen.selection).toBe(
      `related to src/a.ts, src/it's.ts: jest --findRelatedTests (the import graph found test/a.test.ts)`,
    );
    expect(chooseTestCommand('npx jest', undefined, facts(['src/a.ts'], ['test/a.test.ts'])).command).toBe(
      'npx jest --findRelatedTests src/a.ts --passWithNoTests',
    );
    expect(chooseTestCommand('yarn test', { test: 'jest' }, facts(['src/a.ts'], ['test/a.test.ts'])).command).toBe(
      'yarn test --findRelatedTests src/a.ts --passWithNoTests',
    );
    // A script that calls another script is rewritten: appended words would reach the inner npm, not jest.
    expect(
      chooseTestCommand(
        'npm test',
        { test: 'npm run unit', unit: 'jest --ci' },
        facts(['src/a.ts'], ['test/a.test.ts']),
      ).command,
    ).toBe('npx jest --ci --findRelatedTests src/a.ts --passWithNoTests');
  });

  it('node --test: keeps the node flags and replaces the patterns with the related test files in the suite', () => {
    const scripts = { test: 'node --import tsx --test test/*.test.ts' };
    const chosen = chooseTestCommand(
      'npm test --silent',
      scripts,
      facts(['src/strings.ts'], ['test/helpers/x.ts', 'test/index.test.ts', 'test/strings.test.ts']),
    );
    expect(chosen).toEqual({
      command: 'node --import tsx --test test/index.test.ts test/strings.test.ts',
      selection: 'related to src/strings.ts: test/index.test.ts, test/strings.test.ts',
    });
    expect(chooseTestCommand('node --test test/', undefined, facts(['src/a.js'], ['test/a.test.js'])).command).toBe(
      'node --test test/a.test.js',
    );
    expect(chooseTestCommand('node --test test/unit', undefined, facts(['src/a.js'], ['test/e2e/a.test.js']))).toEqual({
      command: 'node --test test/unit',
      selection: "full suite: no test that imports src/a.js is among the suite's files (test/unit)",
    });
  });

  it('vitest: runs `vitest related --run` on the changed files, keeping its flags', () => {
    const chosen = chooseTestCommand(
      'npm test',
      { test: 'vitest run --config vitest.unit.ts' },
      facts(['src/a.ts'], ['src/a.test.ts']),
    );
    expect(chosen.command).toBe('npx vitest related --run --passWithNoTests --config vitest.unit.ts src/a.ts');
    expect(chooseTestCommand('npx vitest run', undefined, facts(['src/a.ts'], ['src/a.test.ts'])).command).toBe(
      'npx vitest related --run --passWithNoTests src/a.ts',
    );
    expect(chooseTestCommand('npx vitest run unit', undefined, facts(['src/a.ts'], ['src/a.test.ts'])).selection).toBe(
      'full suite: the vitest command selects its own files (unit)',
    );
  });

  it('mocha, pytest and go test get the related files or packages', () => {
    expect(
      chooseTestCommand(
        'npm test',
        { test: 'mocha -r ts-node/register test/**/*.spec.ts' },
        facts(['src/a.ts'], ['test/a.spec.ts']),
      ).command,
    ).toBe('npx mocha -r ts-node/register test/a.spec.ts');
    expect(
      chooseTestCommand('python3 -m pytest -q', undefined, facts(['app/db.py'], ['tests/test_db.py'])).command,
    ).toBe('python3 -m pytest -q tests/test_db.py');
    const go = facts(['pricing/p.go'], [], { goPackages: () => ['./cart', './pricing'] });
    expect(chooseTestCommand('go test -count=1 ./...', undefined, go)).toEqual({
      command: 'go test -count=1 ./cart ./pricing',
      selection: 'related to pricing/p.go: packages ./cart, ./pricing',
    });
    expect(chooseTestCommand('go test ./pricing/...', undefined, go).command).toBe('go test ./pricing');
  });

  it('falls back to the full suite, saying why, when it cannot narrow safely', () => {
    const full = (command: string, scripts: Record<string, string> | undefined, f: ChangeFacts) =>
      chooseTestCommand(command, scripts, f);
    expect(full('make test', undefined, facts(['src/a.js'], ['test/a.test.js']))).toEqual({
      command: 'make test',
      selection: 'full suite: no known test runner (jest, vitest, node --test, mocha, pytest, go test) in "make test"',
    });
    expect(full('node --test', undefined, facts(['src/x.js'], []))).toEqual({
      command: 'node --test',
      selection: 'full suite: no test imports src/x.js',
    });
    expect(full('node --test', undefined, facts([], ['a.test.js'])).selection).toBe(
      'full suite: the change names no file',
    );
    expect(
      full('npm test', { test: 'node --test', pretest: 'tsc' }, facts(['src/a.ts'], ['test/a.test.ts'])).selection,
    ).toBe('full suite: the "test" script has pre/post hooks that only `npm test` runs');
    expect(
      full('npx jest', undefined, facts(['src/a.ts', 'src/old.ts'], ['test/a.test.ts'], { deleted: ['src/old.ts'] }))
        .selection,
    ).toBe('full suite: jest cannot trace tests from deleted src/old.ts');
    expect(full('go test ./...', undefined, facts(['x.go'], [])).selection).toBe(
      'full suite: no go.mod at the repository root to resolve packages with',
    );
    expect(
      full('python3 -m pytest tests/test_a.py::test_one', undefined, facts(['a.py'], ['tests/test_a.py'])).selection,
    ).toBe('full suite: the pytest command selects single tests');
  });

  it('does not compute the import graph for an unknown runner', () => {
    const relatedTests = jest.fn(() => ['t.test.js']);
    chooseTestCommand('make test', undefined, facts(['a.js'], [], { relatedTests }));
    expect(relatedTests).not.toHaveBeenCalled();
  });
});
