import { baselineFrom, judge } from '../../activities/test-runs/judge-tests';
import type { CommandResult } from '../../activities/test-runs/run-shell';

const run = (failing: string[], exitCode = failing.length ? 1 : 0): CommandResult => ({
  command: 'npm test',
  exitCode,
  passed: exitCode === 0,
  failingTests: failing,
  tail: failing.join('\n'),
  logPath: '/tmp/x.log',
  durationMs: 5,
});
const none = { failing: [], flaky: [] };

describe('judge', () => {
  it('passes a green run and fails a new red test', () => {
    expect(judge(run([]), null, none).passed).toBe(true);
    expect(judge(run(['a']), run(['a']), none)).toMatchObject({ passed: false, failingTests: ['a'] });
  });

  it('does not blame a test that passes on the re-run (flaky) or one already red or flaky at the baseline', () => {
    expect(judge(run(['a']), run([]), none)).toMatchObject({ passed: true, flaky: ['a'] });
    expect(judge(run(['old', 'f']), run(['old', 'f']), { failing: ['old'], flaky: ['f'] })).toMatchObject({ passed: true, preExisting: ['old'], flaky: ['f'] });
    expect(judge(run(['old', 'new']), run(['old', 'new']), { failing: ['old'], flaky: [] })).toMatchObject({ passed: false, failingTests: ['new'] });
  });

  it('fails a non-zero exit without test names (a crash, a compile error)', () => {
    expect(judge(run([], 2), run([], 2), { failing: ['x'], flaky: [] }).passed).toBe(false);
  });
});

describe('baselineFrom', () => {
  it('records consistent failures and flaky tests', () => {
    const { evidence, baseline } = baselineFrom(run(['flip', 'broken']), run(['broken']));
    expect(baseline).toEqual({ failing: ['broken'], flaky: ['flip'] });
    expect(evidence).toMatchObject({ passed: false, failingTests: ['broken'] });
  });

  it('is green when only flaky tests failed', () => {
    const { evidence, baseline } = baselineFrom(run(['flip']), run([]));
    expect(evidence.passed).toBe(true);
    expect(baseline).toEqual({ failing: [], flaky: ['flip'] });
  });
});
