import { boundBlock, failureBlocks, renderFailureBlocks } from '../../activities/agent/tool-output/failure-blocks';

const JEST = [
  ' FAIL  test/math.test.ts',
  '  math',
  '    ✕ adds (3 ms)',
  '    ✓ subtracts',
  '',
  '  ● math › adds',
  '',
  '    expect(received).toBe(expected) // Object.is equality',
  '',
  '    Expected: 3',
  '    Received: 4',
  '',
  '      4 | test("adds", () => {',
  '    > 5 |   expect(add(1, 2)).toBe(3);',
  '        |                     ^',
  '',
  '  ● math › divides',
  '',
  '    TypeError: Cannot read properties of undefined',
  '',
  ...Array.from({ length: 50 }, (_, i) => `noise after the failures ${i}`),
  'Test Suites: 1 failed, 1 total',
  'Tests:       2 failed, 1 passed, 3 total',
].join('\n');

const PYTEST = [
  '============================= FAILURES =============================',
  '___________________________ test_parse ____________________________',
  '',
  '    def test_parse():',
  '>       assert parse("1") == 2',
  'E       AssertionError: assert 1 == 2',
  '',
  'tests/test_p.py:4: AssertionError',
  '=========================== short test summary info ===========================',
  'FAILED tests/test_p.py::test_parse - AssertionError: assert 1 == 2',
].join('\n');

describe('failure blocks (issue 25)', () => {
  it("finds each failing jest test's block, expected and received included, even far from the end of the output", () => {
    const b = failureBlocks(JEST, ['test/math.test.ts::math › adds', 'test/math.test.ts::math › divides']);
    expect(b[0].id).toBe('test/math.test.ts::math › adds');
    expect(b[0].block).toContain('Expected: 3');
    expect(b[0].block).toContain('Received: 4');
    expect(b[0].block).toContain('> 5 |   expect(add(1, 2)).toBe(3);');
    expect(b[0].block).not.toContain('TypeError');
    expect(b[1].block).toContain('TypeError: Cannot read properties of undefined');
    expect(b[1].block).not.toContain('Test Suites:');
  });

  it("finds a pytest failure's block", () => {
    const [b] = failureBlocks(PYTEST, ['tests/test_p.py::test_parse']);
    expect(b.block).toContain('E       AssertionError: assert 1 == 2');
    expect(b.block).not.toContain('short test summary');
  });

  it('keeps the head and tail of a long block and stays within the budget', () => {
    const long = 'start\n' + 'x'.repeat(10_000) + '\nend';
    expect(boundBlock(long)).toMatch(/^start\n/);
    expect(boundBlock(long)).toMatch(/\nend$/);
    expect(boundBlock(long).length).toBeLessThan(2_200);
    const many = Array.from({ length: 20 }, (_, i) => `  ● t${i}\n\n${'y'.repeat(3_000)}`).join('\n');
    const blocks = failureBlocks(
      many,
      Array.from({ length: 20 }, (_, i) => `f::t${i}`),
      5_000,
    );
    expect(renderFailureBlocks(blocks).length).toBeLessThan(7_000);
    expect(blocks[19].block).toBeUndefined();
  });

  it('lists a failing test without a block of its own, and marks tests as asked', () => {
    const text = renderFailureBlocks(failureBlocks('nothing useful', ['a::gone']), (id) =>
      id === 'a::gone' ? ' (already failing at the base)' : '',
    );
    expect(text).toBe(
      '### a::gone (already failing at the base)\n(no block of its own in the output; see the end of the output)',
    );
  });
});
