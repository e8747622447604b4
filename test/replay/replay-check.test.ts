import * as fs from 'node:fs';
import * as path from 'node:path';
import { replayFailures } from '../../worker/replay-check';

/** A recorded batch history, as the temporal CLI wrote it. */
const recorded = (() => {
  const dir = path.join(__dirname, 'histories', 'full');
  const file = fs.readdirSync(dir).find((f) => f.startsWith('batch-1A.'))!;
  return JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as { workflowId: string; history: unknown };
})();

it('names the runs in flight this code cannot continue, and passes those it can', async () => {
  expect(await replayFailures([recorded])).toEqual([]);
  // The same history as an older version would have left it: it called an activity this code does not.
  const older = JSON.parse(JSON.stringify(recorded.history).replace(/"loadPlannedTasks"/g, '"loadBatchTasks"'));
  const failures = await replayFailures([{ workflowId: recorded.workflowId, history: older }]);
  expect(failures).toHaveLength(1);
  expect(failures[0].workflowId).toBe(recorded.workflowId);
  expect(failures[0].message).toMatch(/Nondeterminism/i);
});
