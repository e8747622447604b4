// A freed lane goes straight from the task whose agent is done to the task on deck the batch promised it to
// (workflows/batch/lanes.ts): the next agent starts within one workflow task of that task, whatever the batch is busy with.
import { startRun } from '../../client/start-run';
import { activitySpans, mostAtOnce } from '../helpers/activity-spans';
import { runSettings, uniqueRunId } from '../helpers/run-helpers';
import { makeSampleRepo, touchTask } from '../helpers/sample-repo';
import { useTestWorker } from '../helpers/test-worker';

// Agents of two model calls of 1 s: long enough for a lane's next task to be on deck and promised before it frees.
const worker = useTestWorker({ latencyMs: 1000 });
const TASKS = 8;
const LANES = 2;

function repoFiles(): Record<string, string> {
  const files: Record<string, string> = {
    'package.json': JSON.stringify({ name: 'handoff', private: true, scripts: { test: 'node --test test/' } }) + '\n',
    'test/quick.test.js': "require('node:test')('quick', () => {});\n",
  };
  for (let i = 1; i <= TASKS; i++) Object.assign(files, touchTask(i, 'node --test test/'));
  return files;
}

type HistoryEvent = {
  eventType?: unknown;
  workflowExecutionSignaledEventAttributes?: {
    signalName?: string | null;
    externalWorkflowExecution?: { workflowId?: string | null } | null;
  } | null;
  activityTaskScheduledEventAttributes?: { activityType?: { name?: string | null } | null } | null;
  workflowTaskCompletedEventAttributes?: unknown;
  workflowTaskScheduledEventAttributes?: unknown;
};

/**
 * Who granted a task its lane (the sending workflow of its laneGranted signal), and whether its agent's first
 * activity was scheduled by the first workflow task that completed after the grant.
 */
async function grantOf(
  client: ReturnType<typeof worker>['client'],
  workflowId: string,
): Promise<{ from: string; agentInOneWorkflowTask: boolean } | undefined> {
  const events = ((await client.workflow.getHandle(workflowId).fetchHistory()).events ?? []) as HistoryEvent[];
  const at = events.findIndex((e) => e.workflowExecutionSignaledEventAttributes?.signalName === 'laneGranted');
  if (at < 0) return undefined;
  const from = events[at].workflowExecutionSignaledEventAttributes?.externalWorkflowExecution?.workflowId ?? '?';
  // The commands of the first workflow task after the grant: the events after its completion, up to the next one.
  const completed = events.findIndex((e, i) => i > at && e.workflowTaskCompletedEventAttributes);
  const end = events.findIndex((e, i) => i > completed && e.workflowTaskScheduledEventAttributes);
  const commands = events.slice(completed + 1, end < 0 ? undefined : end);
  return {
    from,
    agentInOneWorkflowTask:
      completed > 0 &&
      commands.some((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'startAgent'),
  };
}

describe('lane hand-off', () => {
  it('a freed lane is granted task to task, its next agent scheduled in one workflow task; never more than --max-parallel agents', async () => {
    const runId = uniqueRunId('handoff');
    const repo = await makeSampleRepo(repoFiles());
    const { client, taskQueue } = worker();
    const report = await (
      await startRun(client, runSettings(repo, { runId, maxParallel: LANES, attempts: 1, review: 'off' }), taskQueue)
    ).result();
    expect(report.status).toBe('completed');
    expect(report.tasks.filter((t) => t.status === 'committed')).toHaveLength(TASKS);

    const root = `flotilla-${runId}`;
    const spans = await Promise.all(report.tasks.map((t) => activitySpans(client, `${root}/${t.id}`)));
    const agents = spans
      .map((s) => s.filter((x) => /^(startAgent|agentTurn)$/.test(x.type)))
      .map((s) => ({ from: Math.min(...s.map((x) => x.started)), to: Math.max(...s.map((x) => x.closed)) }));
    expect(mostAtOnce(agents)).toBeLessThanOrEqual(LANES);

    // The first LANES tasks start holding a lane; every other one waits on deck for a grant.
    const grants = (await Promise.all(report.tasks.map((t) => grantOf(client, `${root}/${t.id}`)))).filter(
      (g) => g !== undefined,
    );
    expect(grants).toHaveLength(TASKS - LANES);
    const direct = grants.filter((g) => /\/TASK-\d+$/.test(g.from));
    // Each task on deck is promised to a lane long before its holder's agent (2 s of model calls) is done; only a
    // promise that arrives too late goes through the batch, so nearly every hand-off is direct.
    expect(direct.length).toBeGreaterThanOrEqual(TASKS - LANES - 1);
    for (const g of direct) expect(g.agentInOneWorkflowTask).toBe(true);

    // The batch's history stays bounded: per task, one lane signal in (laneHanded, or laneFree) and at most one lane
    // signal out (laneNext to its holder, or laneGranted from the batch): as many as before the hand-off went direct.
    const batch = ((await client.workflow.getHandle(`${root}/batch-1A`).fetchHistory()).events ?? []) as Array<
      HistoryEvent & { signalExternalWorkflowExecutionInitiatedEventAttributes?: { signalName?: string | null } | null }
    >;
    const received = batch
      .map((e) => e.workflowExecutionSignaledEventAttributes?.signalName)
      .filter((n) => n && /^lane/.test(n));
    const sent = batch
      .map((e) => e.signalExternalWorkflowExecutionInitiatedEventAttributes?.signalName)
      .filter((n) => n && /^lane/.test(n));
    expect(received).toHaveLength(TASKS);
    expect(sent.length).toBeLessThanOrEqual(TASKS - LANES);
  }, 180_000);
});
