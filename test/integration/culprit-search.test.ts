import { TestWorkflowEnvironment } from '@temporalio/testing';
import { MAX_BATCH_TASKS } from '../../planner/plan';
import { measureSearch, type SearchMeasure, type SearchScenario } from '../../bench/culprit-sim';

/**
 * The culprit search (workflows/batch/find-culprits.ts) with simulated activities on the suite's Temporal dev server
 * (TestWorkflowEnvironment over it: the search has no timers, so it needs no time skipping): which changes it
 * drops, what it reports, and what it costs in suite runs and history events.
 */
let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await TestWorkflowEnvironment.createFromExistingServer({ address: process.env.FLOTILLA_TEST_TEMPORAL });
}, 60_000);
afterAll(async () => env?.teardown());

const search = (s: SearchScenario) => measureSearch(env, s);
const ids = (xs: Array<{ taskId: string }>) => xs.map((x) => x.taskId);
/** The bound stated in find-culprits.ts: 1 + k·⌈log₂ n⌉ + k suite runs. */
const bound = (n: number, k: number) => 1 + k * Math.ceil(Math.log2(n)) + k;

describe('culpritSearchWorkflow', () => {
  it('200 changes, 2 culprits: exactly those are dropped, 198 kept on a green final probe, within the bound', async () => {
    const m: SearchMeasure = await search({ tasks: 200, culprits: [37, 151] });
    expect(ids(m.result.dropped)).toEqual(['TASK-0038', 'TASK-0152']);
    expect(m.result.kept).toHaveLength(198);
    expect(m.result.suite.passed).toBe(true);
    expect(m.result.notApplied).toEqual([]);
    expect(m.result.redStart).toBeUndefined();
    expect(m.suiteRuns).toBeLessThanOrEqual(bound(200, 2));
    // Flaky re-runs only for the start and the full verdict after each drop, never per probe.
    expect(m.fullVerdicts).toBe(1 + 2);
    expect(m.events).toBeLessThan(400);
  }, 120_000);

  it(`at the planner's largest batch (${MAX_BATCH_TASKS}), two culprits stay far under 10,000 events`, async () => {
    const m = await search({ tasks: MAX_BATCH_TASKS, culprits: [0, MAX_BATCH_TASKS - 1] });
    expect(ids(m.result.dropped)).toEqual(['TASK-0001', `TASK-${String(MAX_BATCH_TASKS).padStart(4, '0')}`]);
    expect(m.result.kept).toHaveLength(MAX_BATCH_TASKS - 2);
    expect(m.suiteRuns).toBeLessThanOrEqual(bound(MAX_BATCH_TASKS, 2));
    expect(m.events).toBeLessThan(10_000);
    expect(m.largestEventBytes).toBeLessThan(128 * 1024);
  }, 120_000);

  it('a red start tip is reported as such: no change is blamed, all are put back', async () => {
    const m = await search({ tasks: 20, culprits: [], redStart: true });
    expect(m.result.redStart?.failingTests).toEqual(['test/env.test.js::needs the network']);
    expect(m.result.dropped).toEqual([]);
    expect(m.result.kept).toHaveLength(20);
    expect(m.result.suite.passed).toBe(false);
    expect(m.suiteRuns).toBe(1);
  }, 60_000);

  it('two changes that break the suite only together: the later one is dropped, the earlier kept', async () => {
    const m = await search({ tasks: 30, culprits: [], pairs: [[4, 22]] });
    expect(ids(m.result.dropped)).toEqual(['TASK-0023']);
    expect(m.result.kept).toHaveLength(29);
    expect(m.result.suite.passed).toBe(true);
  }, 60_000);

  it('a kept change that no longer applies once its culprit is dropped is skipped with why, and the search goes on', async () => {
    const m = await search({ tasks: 40, culprits: [9, 30], needs: { 12: 9 } });
    expect(ids(m.result.dropped)).toEqual(['TASK-0010', 'TASK-0031']);
    expect(m.result.notApplied).toEqual([
      { taskId: 'TASK-0013', reason: expect.stringContaining('no longer applies') },
    ]);
    expect(m.result.kept).toHaveLength(37);
    expect(m.result.suite.passed).toBe(true);
  }, 60_000);
});
