import {
  changedExpectations,
  conflictMarkers,
  debugLeftovers,
  findingsSummary,
  oversized,
  runChecks,
  skippedTests,
  undeclaredFiles,
} from '../../activities/review/checks';
import { changedLines, type FileDiff, parseUnifiedDiff } from '../../activities/review/diff';

/** A one-hunk diff of `path`: lines prefixed with "+", "-" or " ". */
function diffOf(path: string, lines: string[], status: 'modified' | 'added' | 'deleted' = 'modified'): string {
  const header = [`diff --git a/${path} b/${path}`];
  if (status === 'added') header.push('new file mode 100644', '--- /dev/null', `+++ b/${path}`);
  else if (status === 'deleted') header.push('deleted file mode 100644', `--- a/${path}`, '+++ /dev/null');
  else header.push(`index 1111111..2222222 100644`, `--- a/${path}`, `+++ b/${path}`);
  const old = lines.filter((l) => l[0] !== '+').length;
  const neu = lines.filter((l) => l[0] !== '-').length;
  return [...header, `@@ -1,${old} +1,${neu} @@`, ...lines].join('\n') + '\n';
}
const files = (...diffs: string[]): FileDiff[] => parseUnifiedDiff(diffs.join(''));

describe('parseUnifiedDiff', () => {
  it('reads files, statuses, renames and line numbers from git diff output', () => {
    const text = [
      'diff --git a/src/a.js b/src/a.js',
      'index 1..2 100644',
      '--- a/src/a.js',
      '+++ b/src/a.js',
      '@@ -3,3 +3,3 @@ function x() {',
      ' keep',
      '-old',
      '+new',
      ' tail',
      'diff --git a/src/new.js b/src/new.js',
      'new file mode 100644',
      '--- /dev/null',
      '+++ b/src/new.js',
      '@@ -0,0 +1,2 @@',
      '+one',
      '+++two',
      'diff --git a/src/old.js b/src/moved.js',
      'similarity index 90%',
      'rename from src/old.js',
      'rename to src/moved.js',
      '',
    ].join('\n');
    const [a, n, r] = parseUnifiedDiff(text);
    expect(a).toMatchObject({ path: 'src/a.js', status: 'modified' });
    expect(a.hunks[0]).toEqual([
      { kind: ' ', text: 'keep', oldLine: 3, newLine: 3 },
      { kind: '-', text: 'old', oldLine: 4 },
      { kind: '+', text: 'new', newLine: 4 },
      { kind: ' ', text: 'tail', oldLine: 5, newLine: 5 },
    ]);
    expect(n).toMatchObject({ path: 'src/new.js', status: 'added' });
    expect(n.hunks[0].map((l) => l.text)).toEqual(['one', '++two']);
    expect(changedLines(n)).toEqual({ added: 2, removed: 0 });
    expect(r).toMatchObject({ path: 'src/moved.js', oldPath: 'src/old.js', status: 'renamed' });
  });
});

describe('changedExpectations', () => {
  it('flags an assertion whose expected literal changed in a test file, with the new line', () => {
    const f = files(
      diffOf('test/math.test.js', [
        ' const x = 1;',
        "-test('add', () => assert.equal(add(2, 3), 5));",
        "+test('add', () => assert.equal(add(2, 3), -1));",
      ]),
    );
    const found = changedExpectations(f);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ check: 'test-expectations', file: 'test/math.test.js', line: 2 });
    expect(found[0].message).toContain('assert.equal(add(2, 3), -1)');
  });

  it('flags expect(...).toBe(x) with another expected argument, literal or not', () => {
    expect(
      changedExpectations(
        files(
          diffOf('src/a.test.ts', ['-  expect(total(items)).toBe(10);', '+  expect(total(items)).toBe(total(items));']),
        ),
      ),
    ).toHaveLength(1);
    expect(
      changedExpectations(
        files(diffOf('src/a.spec.ts', ["-  expect(name()).toEqual('ann');", "+  expect(name()).toEqual('bob');"])),
      ),
    ).toHaveLength(1);
    expect(
      changedExpectations(
        files(diffOf('tests/test_calc.py', ['-    assert add(2, 3) == 5', '+    assert add(2, 3) == 6'])),
      ),
    ).toHaveLength(1);
  });

  it('leaves alone renames inside assertions, new assertions, new test files, comments and non-test files', () => {
    expect(
      changedExpectations(
        files(diffOf('test/a.test.js', ['-  assert.equal(addNums(2, 3), 5);', '+  assert.equal(add(2, 3), 5);'])),
      ),
    ).toEqual([]);
    expect(changedExpectations(files(diffOf('test/a.test.js', ['+  assert.equal(add(0, 0), 0);'])))).toEqual([]);
    expect(changedExpectations(files(diffOf('test/new.test.js', ['+  assert.equal(add(2, 3), 5);'], 'added')))).toEqual(
      [],
    );
    expect(
      changedExpectations(files(diffOf('test/a.test.js', ['-  // assert.equal(x, 1)', '+  // assert.equal(x, 2)']))),
    ).toEqual([]);
    expect(changedExpectations(files(diffOf('src/a.js', ['-  assert(n > 0);', '+  assert(n > 1);'])))).toEqual([]);
  });
});

describe('skippedTests', () => {
  it('flags .skip, xit, xdescribe, .only, pytest and go skips added to the diff', () => {
    const cases = [
      ['test/a.test.js', "+it.skip('adds', () => {});"],
      ['test/a.test.js', "+xit('adds', () => {});"],
      ['test/a.test.js', "+xdescribe('math', () => {});"],
      ['test/a.test.js', "+it.only('adds', () => {});"],
      ['test/a.test.js', "+test('adds', { skip: true }, () => {});"],
      ['tests/test_a.py', '+@pytest.mark.skip(reason="flaky")'],
      ['pkg/a_test.go', '+\tt.Skip("later")'],
    ];
    for (const [file, line] of cases) {
      const found = skippedTests(files(diffOf(file, [line])), 'Tidy the code.');
      expect(found).toHaveLength(1);
      expect(found[0]).toMatchObject({ check: 'tests-skipped', file, line: 1 });
    }
  });

  it('flags removed test cases and deleted test files', () => {
    const removed = skippedTests(
      files(diffOf('test/a.test.js', [" test('one', () => {});", "-test('two', () => {});"])),
      '',
    );
    expect(removed[0].message).toContain('removes 1 test');
    expect(
      skippedTests(files(diffOf('test/a.test.js', ["-test('two', () => {});"], 'deleted')), '')[0].message,
    ).toContain('deletes the test file test/a.test.js');
  });

  it('allows it when the task says so, and does not count a moved or renamed test', () => {
    expect(
      skippedTests(
        files(diffOf('test/a.test.js', ["+it.skip('adds', () => {});"])),
        'Skip the flaky network tests until the mock exists.',
      ),
    ).toEqual([]);
    expect(
      skippedTests(files(diffOf('test/a.test.js', ["-test('two', () => {});"])), 'Remove the duplicated tests of sub.'),
    ).toEqual([]);
    expect(
      skippedTests(
        files(diffOf('test/a.test.js', ["-test('adds two', () => {});", "+test('adds two numbers', () => {});"])),
        '',
      ),
    ).toEqual([]);
  });
});

describe('undeclaredFiles, oversized, debugLeftovers, conflictMarkers', () => {
  it('flags files the task did not name unless the summary names them; the tasks/ folder aside', () => {
    const f = files(diffOf('src/a.js', ['+x']), diffOf('src/b.js', ['+y']), diffOf('src/c.js', ['+z']));
    const found = undeclaredFiles(f, ['src/a.js'], 'Documented add; also fixed the same typo in c.js.');
    expect(found.map((x) => x.file)).toEqual(['src/b.js']);
  });

  it('flags a diff larger than the limit per declared file', () => {
    const big = files(
      diffOf(
        'src/a.js',
        Array.from({ length: 30 }, (_, i) => `+line ${i}`),
      ),
    );
    expect(oversized(big, ['src/a.js'], 20)).toHaveLength(1);
    expect(oversized(big, ['src/a.js', 'src/b.js'], 20)).toEqual([]);
    expect(oversized(big, ['src/a.js'])).toEqual([]);
  });

  it('flags console.log, debugger and print added in non-test code only', () => {
    expect(debugLeftovers(files(diffOf('src/a.js', ["+  console.log('here', x);"])))[0]).toMatchObject({
      check: 'debug-leftovers',
      file: 'src/a.js',
      line: 1,
    });
    expect(debugLeftovers(files(diffOf('src/a.ts', ['+  debugger;'])))).toHaveLength(1);
    expect(debugLeftovers(files(diffOf('app/a.py', ['+    print(value)'])))).toHaveLength(1);
    expect(debugLeftovers(files(diffOf('test/a.test.js', ["+  console.log('debug');"])))).toEqual([]);
    expect(
      debugLeftovers(
        files(
          diffOf(
            'src/a.js',
            [' * Example: console.log(add(1, 2))'].map((l) => '+' + l.slice(1)),
          ),
        ),
      ),
    ).toEqual([]);
    // A moved line is not a new one.
    expect(debugLeftovers(files(diffOf('src/cli.js', ['-  console.log(usage);', '+  console.log(usage());'])))).toEqual(
      [],
    );
    expect(debugLeftovers(files(diffOf('src/a.js', ['+  const printer = print(x);'])))).toEqual([]);
  });

  it('flags conflict markers, not a markdown underline', () => {
    expect(
      conflictMarkers(files(diffOf('src/a.js', ['+<<<<<<< HEAD', '+a', '+=======', '+b', '+>>>>>>> other'])))[0],
    ).toMatchObject({ check: 'conflict-markers', line: 1 });
    expect(conflictMarkers(files(diffOf('README.md', ['+Title', '+======='])))).toEqual([]);
  });
});

describe('runChecks', () => {
  const expectationEdit = diffOf('test/math.test.js', [
    "-test('add', () => assert.equal(add(2, 3), 5));",
    "+test('add', () => assert.equal(add(2, 3), -1));",
  ]);
  const input = (category: string, diff: string, declared = ['src/math.js', 'test/math.test.js']) => ({
    category,
    taskText: 'Simplify add.',
    declared,
    summary: 'Simplified add.',
    files: parseUnifiedDiff(diff),
  });

  it('lets a tests task change expectations, not any other task', () => {
    expect(runChecks(input('tests', expectationEdit))).toEqual([]);
    const found = runChecks(input('refactor', expectationEdit));
    expect(found.map((f) => f.check)).toEqual(['test-expectations']);
    expect(findingsSummary(found)).toMatch(/^test\/math\.test\.js:1 changes what a test expects/);
  });

  it('passes a clean change, and ignores the task file and its archive move', () => {
    const clean =
      diffOf('src/math.js', ['+/** Adds two numbers. */', ' function add(a, b) {']) +
      diffOf('tasks/TASK-0001.md', ['-id: TASK-0001'], 'deleted');
    expect(runChecks(input('docs', clean, ['src/math.js']))).toEqual([]);
  });

  it('summarises several findings in one line', () => {
    const found = runChecks(input('refactor', expectationEdit + diffOf('src/other.js', ["+console.log('x')"])));
    expect(found.map((f) => f.check)).toEqual(['test-expectations', 'undeclared-files', 'debug-leftovers']);
    expect(findingsSummary(found)).toContain('(and 2 more findings)');
  });
});
