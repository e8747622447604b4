import type { RunReport, RunSettings } from '../../core/types';
import { followRun, type LiveOutput } from '../../client/follow-run';
import { checkSearchAttributes } from '../../client/search-attributes';
import { startRun } from '../../client/start-run';
import { FLOTILLA_REPO, FLOTILLA_RUN_ID, FLOTILLA_STATE } from '../../core/search-attributes';
import { Client, Connection } from '@temporalio/client';
import { spawn } from 'node:child_process';
import { temporalCliPath } from '../../dev/temporal-cli';
import { freePort, portOpen } from '../../dev/temporal-server';
import { makeSampleRepo } from '../helpers/sample-repo';
import { useTestWorker } from '../helpers/test-worker';
import { cli } from '../helpers/cli';

const worker = useTestWorker({ latencyMs: 200 });
const address = () => process.env.FLOTILLA_TEST_TEMPORAL!;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function settings(repoPath: string, runId: string): RunSettings {
  return {
    runId,
    repoPath,
    model: 'claude-haiku-4-5',
    maxParallel: 4,
    attempts: 2,
    maxTurns: 10,
    sequentialRisk: 'high',
  };
}

/** Visibility is eventually consistent: asks again until `ok`. */
async function eventually<T>(get: () => Promise<T>, ok: (v: T) => boolean, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await get();
    if (ok(v) || Date.now() > deadline) return v;
    await sleep(300);
  }
}

type Row = { runId: string; state: string; repo: string };
const runs = async (...flags: string[]) => {
  const r = await cli('runs', '--json', '--limit', '100', '--address', address(), ...flags);
  expect(r.err).toBe('');
  return JSON.parse(r.out) as Row[];
};

it('the dev server has the search attributes registered', async () => {
  expect(await checkSearchAttributes(worker().client)).toEqual({ registered: true, missing: [] });
});

describe('a run in the console', () => {
  const repo = { done: '', waiting: '' };
  const ids = { done: `console-${Date.now()}`, waiting: `console-nobody-${Date.now()}` };
  let report: RunReport;
  let frames: string[] = [];

  beforeAll(async () => {
    repo.done = await makeSampleRepo();
    repo.waiting = await makeSampleRepo();
  });

  it('is followed live: each running task with its step, then the outcome; its search attributes end current on it and its children', async () => {
    const handle = await startRun(worker().client, settings(repo.done, ids.done), worker().taskQueue);
    const lines: string[] = [];
    const live: LiveOutput = { draw: (f) => frames.push(f), clear: () => undefined, width: () => 160 };
    report = await followRun(worker().client, handle.workflowId, (l) => lines.push(l), 150, 15_000, { live });
    expect(report.status).toBe('completed');
    expect(frames.some((f) => /TASK-000\d +agent (turn \d+|starting|: running its tests)/.test(f))).toBe(true);
    expect(frames.some((f) => /\d\/5 tasks done/.test(f))).toBe(true);
    expect(lines.join('\n')).toMatch(/batch 1A/);

    const d = await handle.describe();
    expect(d.typedSearchAttributes.get(FLOTILLA_RUN_ID)).toBe(ids.done);
    expect(d.typedSearchAttributes.get(FLOTILLA_REPO)).toBe(repo.done);
    expect(d.typedSearchAttributes.get(FLOTILLA_STATE)).toBe('completed');
    expect(await d.staticDetails()).toContain('| max parallel | 4 |');
    // Every child carries the run id and ends with its own state: phases and batches completed, tasks completed or skipped.
    const children = await eventually(
      async () => {
        const out: { id: string; state?: string }[] = [];
        for await (const w of worker().client.workflow.list({ query: `FlotillaRunId = '${ids.done}'` }))
          out.push({ id: w.workflowId, state: w.typedSearchAttributes.get(FLOTILLA_STATE) });
        return out;
      },
      (c) => c.length >= 9 && c.every((x) => x.state !== 'running'),
    );
    const stateOf = (suffix: string) => children.find((c) => c.id === `flotilla-${ids.done}/${suffix}`)?.state;
    expect(stateOf('phase-1')).toBe('completed');
    expect(stateOf('batch-1A')).toBe('completed');
    expect(stateOf('TASK-0001')).toBe('completed');
    expect(stateOf('TASK-0004')).toBe('skipped');
  });

  it('watch on a finished run prints its summary and exits with its outcome', async () => {
    const r = await cli('watch', ids.done, '--address', address());
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toContain(`Run ${ids.done} has ended.`);
    expect(r.out).toContain(`Run ${ids.done}: completed`);
    expect(r.out).toMatch(/4 task\(s\) committed on flotilla\//);
  });

  it("watch says when no worker polls the run's task queue, and exits 1 instead of waiting; runs --state and --repo filter on the server", async () => {
    const queue = `nobody-${ids.waiting}`;
    const handle = await startRun(worker().client, settings(repo.waiting, ids.waiting), queue);
    try {
      const r = await cli('watch', ids.waiting, '--address', address());
      expect(r.code).toBe(1);
      expect(r.err).toContain(`flotilla watch: no worker is polling task queue ${queue}`);
      expect(r.err).toContain('start one with `flotilla worker` (or `flotilla dev`)');
      expect(r.ms).toBeLessThan(20_000);

      const has = (rows: Row[], id: string) => rows.some((x) => x.runId === id);
      const completed = await eventually(
        () => runs('--state', 'completed'),
        (rows) => has(rows, ids.done),
      );
      expect(has(completed, ids.done)).toBe(true);
      expect(has(completed, ids.waiting)).toBe(false);
      const running = await eventually(
        () => runs('--state', 'running'),
        (rows) => has(rows, ids.waiting),
      );
      expect(has(running, ids.waiting)).toBe(true);
      expect(has(running, ids.done)).toBe(false);
      expect(await runs('--repo', repo.waiting)).toEqual([
        {
          runId: ids.waiting,
          workflowId: `flotilla-${ids.waiting}`,
          state: 'running',
          started: expect.any(String),
          repo: repo.waiting,
        },
      ]);
      expect(await runs('--state', 'paused', '--repo', repo.done)).toEqual([]);
      const table = await cli('runs', '--state', 'completed', '--repo', repo.done, '--address', address());
      expect(table.out).toMatch(new RegExp(`^${ids.done} +completed `, 'm'));
    } finally {
      await handle.terminate('test done');
    }
  });
});

describe('a cluster without the search attributes', () => {
  it('runs go without them, saying how to register them; runs --state and --repo refuse with that command', async () => {
    // A bare dev server, started without Flotilla's --search-attribute flags.
    const port = await freePort();
    const server = spawn(
      temporalCliPath(),
      ['server', 'start-dev', '--headless', '--ip', '127.0.0.1', '--port', String(port), '--log-level', 'error'],
      { stdio: 'ignore' },
    );
    try {
      for (let i = 0; i < 300 && !(await portOpen('127.0.0.1', port)); i++) await sleep(200);
      const bare = `127.0.0.1:${port}`;
      const connection = await Connection.connect({ address: bare });
      try {
        const client = new Client({ connection, namespace: 'default' });
        const notes: string[] = [];
        const runId = `bare-${Date.now()}`;
        const handle = await startRun(client, settings(await makeSampleRepo(), runId), `nobody-${runId}`, (l) =>
          notes.push(l),
        );
        expect(notes.join('\n')).toContain(
          'temporal operator search-attribute create --namespace default --name FlotillaRunId --type Keyword --name FlotillaRepo --type Keyword --name FlotillaState --type Keyword',
        );
        expect((await handle.describe()).typedSearchAttributes.get(FLOTILLA_RUN_ID)).toBeUndefined();
        await handle.terminate('test done');
      } finally {
        await connection.close();
      }
      const r = await cli('runs', '--state', 'running', '--address', bare);
      expect(r.code).toBe(1);
      expect(r.err).toMatch(
        /--state and --repo need Flotilla's search attributes, which namespace "default" lacks \(FlotillaRunId, FlotillaRepo, FlotillaState\)\. Register them with: temporal operator search-attribute create/,
      );
    } finally {
      server.kill('SIGTERM');
    }
  });
});
