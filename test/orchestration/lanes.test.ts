// The lanes of a parallel batch (workflows/batch/lanes.ts), with scripted activities: a lane is one running agent.
import type { RunReport } from '../../core/types';
import { flotillaRun } from '../../workflows';
import { independentTasks, type Orchestration, startOrchestration } from '../helpers/orchestration';

describe('lanes (scripted activities)', () => {
  let o: Orchestration;
  beforeAll(async () => {
    o = await startOrchestration({ agentMs: 300, testsMs: 900 });
  }, 120_000);
  afterAll(async () => {
    await o?.stop();
  });

  it('runs at most --max-parallel agents at once, and the next agent starts while a finished one is tested', async () => {
    const settings = o.backlog(`lanes-${Date.now()}`, independentTasks(5));
    const report: RunReport = await o.env.client.workflow.execute(flotillaRun, {
      taskQueue: o.taskQueue,
      workflowId: `flotilla-${settings.runId}`,
      args: [settings],
    });
    expect(report.status).toBe('completed');
    expect(report.tasks.map((t) => `${t.id} ${t.status}`).sort()).toEqual(
      ['TASK-0001', 'TASK-0002', 'TASK-0003', 'TASK-0004', 'TASK-0005'].map((id) => `${id} committed`),
    );
    // Two lanes: never a third agent; but a lane is given back when its agent is done, so agents and tests overlap.
    expect(o.script.peak.agents).toBe(2);
    expect(o.script.peak.busy).toBeGreaterThan(2);
    // The overlap is a task's tests beside another task's agent: between a task's tests starting and ending, an agent started.
    const { log } = o.script;
    const overlapped = log.some(
      (e, i) =>
        e.startsWith('tests+ ') &&
        log.slice(i, log.indexOf(`tests- ${e.slice(7)}`)).some((x) => x.startsWith('agent+ ')),
    );
    expect(overlapped).toBe(true);
  }, 60_000);
});
