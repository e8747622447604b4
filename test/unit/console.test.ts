import type { RunReport } from '../../core/types';
import { countTasks } from '../../core/task-table';
import {
  createAttributesCommand,
  cutBytes,
  DEV_SERVER_ATTRIBUTE_FLAGS,
  runStateOf,
} from '../../core/search-attributes';
import { liveFrame, phaseMessage, stepOf } from '../../client/live-view';
import { stateOf } from '../../client/commands/runs';
import { FLOTILLA_STATE } from '../../core/search-attributes';
import { TypedSearchAttributes } from '@temporalio/common';

describe('cutBytes', () => {
  it('keeps text of at most 200 bytes and cuts longer text at 200 bytes of UTF-8, never inside a character', () => {
    expect(cutBytes('short')).toBe('short');
    expect(cutBytes('a'.repeat(200))).toBe('a'.repeat(200));
    const ascii = cutBytes('a'.repeat(300));
    expect(Buffer.byteLength(ascii)).toBe(200);
    expect(ascii.endsWith('…')).toBe(true);
    // 150 'é' are 150 UTF-16 units but 300 bytes: .slice(0, 200) would have sent 300 bytes.
    for (const text of [
      'é'.repeat(150),
      '日本語'.repeat(40),
      '😀'.repeat(60),
      `x${'😀'.repeat(60)}`,
      `\ud800${'é'.repeat(120)}`,
    ]) {
      const cut = cutBytes(text);
      expect(Buffer.byteLength(cut)).toBeLessThanOrEqual(200);
      expect(Buffer.byteLength(cut)).toBeGreaterThan(190);
      expect(cut).not.toMatch(/[\ud800-\udbff]…$/); // no half of a surrogate pair before the ellipsis
      expect(text.startsWith(cut.slice(0, -1))).toBe(true);
    }
  });
});

describe('search attributes', () => {
  it("maps the run's status to FlotillaState", () => {
    const t = (status: string) =>
      ({ id: 'T', title: 't', status, phase: 1, batch: '1A', attempts: 0 }) as RunReport['tasks'][number];
    expect(runStateOf({ status: 'planning', tasks: [] })).toBe('running');
    expect(runStateOf({ status: 'running', tasks: [t('running'), t('awaiting-approval')] })).toBe('awaiting-approval');
    expect(runStateOf({ status: 'paused', tasks: [t('awaiting-approval')] })).toBe('paused');
    for (const s of ['completed', 'failed', 'aborted'] as const) expect(runStateOf({ status: s, tasks: [] })).toBe(s);
  });

  it('names the command that registers them, and the dev server flags', () => {
    expect(createAttributesCommand('prod', ['FlotillaState'])).toBe(
      'temporal operator search-attribute create --namespace prod --name FlotillaState --type Keyword',
    );
    expect(DEV_SERVER_ATTRIBUTE_FLAGS).toEqual([
      '--search-attribute',
      'FlotillaRunId=Keyword',
      '--search-attribute',
      'FlotillaRepo=Keyword',
      '--search-attribute',
      'FlotillaState=Keyword',
    ]);
  });

  it("runs shows FlotillaState while it is accurate, Temporal's status when the run was terminated", () => {
    const w = (status: string, state?: string) =>
      ({
        status: { name: status },
        typedSearchAttributes: new TypedSearchAttributes(state ? [{ key: FLOTILLA_STATE, value: state }] : []),
      }) as never;
    expect(stateOf(w('RUNNING', 'paused'))).toBe('paused');
    expect(stateOf(w('COMPLETED', 'aborted'))).toBe('aborted');
    expect(stateOf(w('TERMINATED', 'running'))).toBe('terminated');
    expect(stateOf(w('RUNNING'))).toBe('running');
    expect(stateOf(w('TIMED_OUT'))).toBe('timed-out');
  });
});

describe('the live view', () => {
  it("names each task's step from its pending activity and heartbeat", () => {
    expect(stepOf([])).toEqual({ step: 'between steps' });
    // Durable turns: turn 1 with the worktree, later turns on the host, and the permit of --agent-rpm between them.
    expect(stepOf([{ activity: 'agentTurn', details: { tests: true }, retry: 2 }])).toEqual({
      step: 'agent: running its tests (try 2)',
    });
    expect(stepOf([{ activity: 'startAgent', retry: 1 }])).toEqual({ step: 'agent starting' });
    expect(stepOf([{ activity: 'agentTurn', details: { turn: 4, costUsd: 0.02 }, retry: 3 }])).toEqual({
      step: 'agent turn 4 (try 3)',
      costUsd: 0.02,
    });
    expect(stepOf([{ activity: 'modelPermit', retry: 1 }])).toEqual({ step: 'agent: waiting for --agent-rpm' });
    expect(stepOf([{ activity: 'runTaskTests', details: { tests: true } }])).toEqual({ step: 'testing' });
    expect(stepOf([{ activity: 'reviewTask', details: { review: 2 } }])).toEqual({ step: 'reviewing (turn 2)' });
    expect(stepOf([{ activity: 'commitTask' }])).toEqual({ step: 'committing' });
  });

  it('says what the run does before its tasks start', () => {
    expect(phaseMessage({ status: 'starting', planPath: null })).toMatch(/^Starting/);
    expect(phaseMessage({ status: 'planning', planPath: null })).toMatch(/^Planning/);
    expect(phaseMessage({ status: 'planning', planPath: '/r/plan.md' })).toMatch(/baseline/);
    expect(phaseMessage({ status: 'running', planPath: '/r/plan.md' })).toBeNull();
  });

  it('draws overall progress, each running task with its step and cost, and who waits for approval', () => {
    const tasks = [
      { id: 'TASK-0001', title: 'Document add', status: 'committed', phase: 1, batch: '1A', attempts: 1 },
      { id: 'TASK-0002', title: 'Document upper', status: 'running', phase: 1, batch: '1A', attempts: 0 },
      { id: 'TASK-0003', title: 'Document sub', status: 'running', phase: 1, batch: '1A', attempts: 0 },
      { id: 'TASK-0004', title: 'Risky', status: 'awaiting-approval', phase: 1, batch: '1A', attempts: 0 },
    ] as RunReport['tasks'];
    const r = {
      runId: 'r1',
      status: 'running',
      planPath: '/p',
      tasks,
      counts: countTasks(tasks).counts,
      batches: [{ id: '1A', mode: 'parallel', state: 'running' }],
      usage: { costUsd: 0.25 },
    } as unknown as RunReport;
    const frame = liveFrame(
      r,
      new Map([
        ['TASK-0002', { step: 'agent turn 4', costUsd: 0.0312 }],
        ['TASK-0003', { step: 'testing' }],
      ]),
    );
    const lines = frame.split('\n');
    expect(lines[0]).toBe('Run r1: running');
    expect(lines[1]).toMatch(/^ {2}\[█+░+\] 1\/4 tasks done, batch 1A \(parallel\)$/);
    expect(lines[2]).toBe('  1 committed, 0 skipped, 0 failed, 2 running, 1 waiting for approval · $0.25 so far');
    expect(frame).toMatch(/TASK-0002 {2}agent turn 4 +\$0\.0312 {2}Document upper/);
    expect(frame).toMatch(/TASK-0003 {2}testing +Document sub/);
    expect(frame).toContain('TASK-0004  waiting for approval: flotilla approve r1 TASK-0004');
    expect(frame).toContain('Ctrl-C stops watching; the run goes on.');
    for (const l of liveFrame(r, new Map(), { width: 40 }).split('\n')) expect(l.length).toBeLessThanOrEqual(45);
  });
});
