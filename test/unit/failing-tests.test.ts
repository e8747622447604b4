import { failingTests } from '../../activities/test-runs/failing-tests';

describe('failingTests', () => {
  it('reads node test runner TAP output, preferring test names over file names', () => {
    const tap = [
      'TAP version 13',
      '# Subtest: /repo/test/a.test.ts',
      '    not ok 1 - truncate keeps short strings',
      '    ok 2 - other',
      'not ok 1 - /repo/test/a.test.ts',
      'ok 2 - x # SKIP',
    ].join('\n');
    expect(failingTests(tap)).toEqual(['truncate keeps short strings']);
  });

  it('reads the spec reporter and jest output', () => {
    expect(failingTests('✔ fine (1ms)\n✖ add adds two numbers (2.1ms)\n✖ failing tests:\n')).toEqual([
      'add adds two numbers',
    ]);
    expect(failingTests('  ● parser › parses numbers\n\n    expect(received)')).toEqual(['parser › parses numbers']);
  });

  it('returns nothing for output without failures', () => {
    expect(failingTests('ok 1 - fine\n# pass 1\n')).toEqual([]);
  });
});
