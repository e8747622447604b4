import { randomBacklog } from '../../bench/random-backlog';
import { buildPlan, type PlanOptions, renderPlanMarkdown } from '../../planner';
import { segmentsOf } from '../../planner/segments';
import { segmentPieces } from '../../core/run-state';

const OPTIONS: PlanOptions = { repoName: 'r', testCommand: 'npm test', sequentialRisk: 'high', maxParallel: 4 };

describe('segments: how a large run is cut for continue-as-new', () => {
  it('covers every batch once, in order, and keeps each segment within the cap unless one batch alone exceeds it', () => {
    for (const [n, cap] of [
      [100, 30],
      [2000, 500],
      [5000, 1000],
    ] as const) {
      const plan = buildPlan(randomBacklog(n, undefined, 7), [], { ...OPTIONS, segmentTasks: cap });
      const order = plan.phases.flatMap((p) => p.batches.map((b) => b.id));
      expect(plan.segments.flatMap((s) => s.batchIds)).toEqual(order);
      const size = new Map(plan.phases.flatMap((p) => p.batches.map((b) => [b.id, b.taskIds.length] as const)));
      for (const s of plan.segments) {
        expect(s.tasks).toBe(s.batchIds.reduce((k, id) => k + size.get(id)!, 0));
        if (s.batchIds.length > 1) expect(s.tasks).toBeLessThanOrEqual(cap);
      }
      // Greedy: no two neighbouring segments could have been one.
      for (let i = 1; i < plan.segments.length; i++)
        expect(plan.segments[i - 1].tasks + plan.segments[i].tasks).toBeGreaterThan(cap);
      expect(plan.segments.reduce((k, s) => k + s.tasks, 0)).toBe(Object.keys(plan.tasks).length);
    }
  });

  it('a small backlog is one segment, and the plan says it needs no continue-as-new', () => {
    const plan = buildPlan(randomBacklog(40, undefined, 3), [], OPTIONS);
    expect(plan.segments).toHaveLength(1);
    expect(renderPlanMarkdown(plan)).toContain('one segment); it does not need to continue-as-new');
  });

  it('a large backlog is split, and the plan names each segment and its batches', () => {
    const plan = buildPlan(randomBacklog(3000, undefined, 11), [], OPTIONS);
    expect(plan.segments.length).toBeGreaterThanOrEqual(3);
    const md = renderPlanMarkdown(plan);
    expect(md).toContain(`The run is split into ${plan.segments.length} segments`);
    expect(md).toContain(`1: batches ${plan.segments[0].batchIds[0]}`);
  });

  it('a segment runs each phase it touches as one child: whole as phase-N, cut as phase-N.k', () => {
    const phases = [
      {
        number: 1,
        name: 'a',
        risk: 'low' as const,
        lowerBound: 2,
        batches: [
          { id: '1A', phase: 1, mode: 'parallel' as const, label: '', taskIds: ['a', 'b', 'c'] },
          { id: '1B', phase: 1, mode: 'parallel' as const, label: '', taskIds: ['d', 'e'] },
        ],
      },
      {
        number: 2,
        name: 'b',
        risk: 'medium' as const,
        lowerBound: 1,
        batches: [{ id: '2A', phase: 2, mode: 'parallel' as const, label: '', taskIds: ['f', 'g'] }],
      },
    ];
    const segments = segmentsOf(phases, 4);
    expect(segments.map((s) => s.batchIds)).toEqual([['1A'], ['1B', '2A']]);
    const outline = {
      version: 1 as const,
      repoName: 'r',
      taskCount: 7,
      testCommand: 't',
      maxParallel: 2,
      totalEstimateMinutes: 1,
      skipped: [],
      phases,
      segments,
    };
    expect(segmentPieces(outline, 0).map((p) => [p.suffix, p.phase.batches.map((b) => b.id)])).toEqual([
      ['1.1', ['1A']],
    ]);
    expect(segmentPieces(outline, 1).map((p) => [p.suffix, p.phase.batches.map((b) => b.id)])).toEqual([
      ['1.2', ['1B']],
      ['2', ['2A']],
    ]);
  });
});
