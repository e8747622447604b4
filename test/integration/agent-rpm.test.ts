import { defaultPayloadConverter } from '@temporalio/common';
import type { RequestLogEntry } from '../../dev/stand-in-model';
import { type DevServer, freePort, startDevServer } from '../../dev/temporal-server';
import { startRun } from '../../client/start-run';
import { resultWithin, runSettings } from '../helpers/run-helpers';
import { makeSampleRepo, SAMPLE_FILES } from '../helpers/sample-repo';
import { startTestWorker } from '../helpers/test-worker';

// --agent-rpm is the shared agents queue's server-side rate limit, and that queue dispatches one activity per
// model request of the coding agents (startAgent for turn 1, a modelPermit before each later turn): so it
// limits model requests per minute across all workers.

const TASKS = 3;
const RPM = 20;
/**
 * The server shares a queue's rate out among the queue's partitions, each a token bucket that holds one token
 * (ceil of its rate): on a server with one partition per queue (what `flotilla dev` starts, and this test) the
 * rate is exact, and at most BURST requests go at once. Over any window of W seconds: at most BURST + W * rpm / 60.
 * SLACK covers the time between a dispatch and its model request (a worktree, a poll of the host's queue).
 */
const BURST = 2;
const SLACK_S = 1;

/** Three independent tasks of two changes each: three model turns per task (two edits, then the summary). */
function repoFiles(): Record<string, string> {
  const files: Record<string, string> = {
    'package.json': SAMPLE_FILES['package.json'],
    'src/math.js': SAMPLE_FILES['src/math.js'],
    'test/math.test.js': SAMPLE_FILES['test/math.test.js'],
  };
  for (let i = 1; i <= TASKS; i++) {
    const id = `TASK-000${i}`;
    const change = (file: string, text: string) => [
      '```',
      file,
      '<<<<<<< SEARCH',
      '=======',
      text,
      '>>>>>>> REPLACE',
      '```',
    ];
    files[`tasks/${id}.md`] = [
      '---',
      `id: ${id}`,
      `title: Add helpers ${i}`,
      'category: refactor',
      'risk: low',
      `files: [src/h${i}.js, src/g${i}.js]`,
      'tests: node --test test/',
      '---',
      '## Change',
      ...change(`src/h${i}.js`, `module.exports = () => ${i};`),
      ...change(`src/g${i}.js`, `module.exports = () => -${i};`),
      '',
    ].join('\n');
  }
  return files;
}

/** The coding agents' requests of a run, in order, each as seconds since the first; and TASK-0001's activities with their Web UI summaries. */
async function agentRequests(address: string, rpm: number | undefined): Promise<{ at: number[]; steps: string[] }> {
  const tw = await startTestWorker({ agentRequestsPerMinute: rpm, address });
  try {
    const repo = await makeSampleRepo(repoFiles());
    const handle = await startRun(tw.client, runSettings(repo, { review: 'off', maxParallel: TASKS }), tw.taskQueue);
    const report = await resultWithin(handle, {
      what: `the run with --agent-rpm ${rpm ?? 'unset'}`,
      timeoutMs: 120_000,
    });
    expect(report.tasks.map((t) => t.status)).toEqual(Array(TASKS).fill('committed'));
    const log: RequestLogEntry[] = tw.standIn.log.filter((e) => e.kind === 'agent');
    expect(log.map((e) => e.status)).toEqual(Array(TASKS * 3).fill(200));
    const history = await tw.client.workflow.getHandle(`${handle.workflowId}/TASK-0001`).fetchHistory();
    const steps = (history.events ?? [])
      .filter((e) => e.activityTaskScheduledEventAttributes)
      .map((e) =>
        [
          e.activityTaskScheduledEventAttributes!.activityType!.name,
          ...(e.userMetadata?.summary ? [defaultPayloadConverter.fromPayload<string>(e.userMetadata.summary)] : []),
        ].join(': '),
      );
    return { at: log.map((e) => (e.at - log[0].at) / 1000), steps };
  } finally {
    await tw.stop();
  }
}

describe('--agent-rpm', () => {
  let server: DevServer;
  beforeAll(async () => {
    server = await startDevServer({ port: await freePort(), headless: true, taskQueuePartitions: 1 });
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
  });

  it('limits the model requests of all agents per minute (one dispatch on the shared agents queue each); without it they go at once', async () => {
    const { at: free, steps: freeSteps } = await agentRequests(server.address, undefined);
    const { at: limited, steps } = await agentRequests(server.address, RPM);
    // Each model turn is an activity of the task workflow, its summary in the Web UI naming the task, the attempt and the turn;
    // with a rate, a permit on the shared agents queue comes before each later turn, and none without.
    const turn = (n: number) => `TASK-0001 attempt 1, turn ${n} (claude-haiku-4-5)`;
    expect(steps.slice(0, 5)).toEqual([
      `startAgent: ${turn(1)}: fresh worktree, first model request`,
      `modelPermit: model request permit (--agent-rpm): ${turn(2)}`,
      `agentTurn: ${turn(2)}`,
      `modelPermit: model request permit (--agent-rpm): ${turn(3)}`,
      `agentTurn: ${turn(3)}`,
    ]);
    expect(freeSteps.slice(0, 3)).toEqual([
      `startAgent: ${turn(1)}: fresh worktree, first model request`,
      `agentTurn: ${turn(2)}`,
      `agentTurn: ${turn(3)}`,
    ]);
    expect(freeSteps[3]).toMatch(/^runTaskTests: /);
    expect(freeSteps.filter((x) => /^(modelPermit|startAgent|agentTurn):/.test(x))).toHaveLength(3);
    // Over every window between two requests, no more than the rate allows (with the partitions' burst).
    for (let i = 0; i < limited.length; i++) {
      for (let j = i + 1; j < limited.length; j++) {
        const allowed = BURST + ((limited[j] - limited[i] + SLACK_S) * RPM) / 60;
        expect({ from: i, to: j, requests: j - i + 1, within: allowed >= j - i + 1 }).toEqual({
          from: i,
          to: j,
          requests: j - i + 1,
          within: true,
        });
      }
    }
    // Nine requests at 20 a minute, two at once at most: at least (9 - 2) * 3 s from the first to the last.
    const span = limited[limited.length - 1];
    expect(span).toBeGreaterThanOrEqual(((TASKS * 3 - BURST) * 60) / RPM - SLACK_S);
    // ...and the rate is used, not wasted: with one partition the requests come about every 3 s.
    expect(span).toBeLessThan((TASKS * 3 * 60) / RPM + 6);
    // Unlimited, the same run's requests all go within a few seconds.
    expect(free[free.length - 1]).toBeLessThan(span / 3);
  }, 150_000);
});
