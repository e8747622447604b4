import { groupSimilar } from '../../planner/group-similar';
import type { PlannedTask } from '../../planner/types';

const t = (
  id: string,
  module: string,
  category: string,
  touches: string[],
  dependsOn: string[] = [],
  estimateMinutes = 2,
): PlannedTask => ({
  id,
  title: id,
  category,
  risk: 'low',
  touches,
  dependsOn,
  sourcePath: `tasks/${id}.md`,
  module,
  estimateMinutes,
});

describe('groupSimilar', () => {
  it('gathers each module and kind of change into one batch when files allow', () => {
    const groups = groupSimilar(
      [
        [
          t('A', 'src/x', 'docs', ['src/x/a.ts']),
          t('B', 'src/y', 'types', ['src/y/b.ts']),
          t('E', 'src/z', 'lint', ['shared.ts']),
        ],
        [
          t('C', 'src/x', 'docs', ['src/x/c.ts']),
          t('D', 'src/y', 'types', ['src/y/d.ts']),
          t('F', 'src/z', 'lint', ['shared.ts']),
        ],
      ],
      [false, false],
    );
    const where = (id: string) => groups.findIndex((g) => g.some((x) => x.id === id));
    expect(where('A')).toBe(where('C'));
    expect(where('B')).toBe(where('D'));
    expect(where('E')).not.toBe(where('F')); // they share a file: never together
    expect(groups.every((g) => g.length > 0)).toBe(true);
  });

  it('keeps dependency order and leaves tasks that run alone where they are', () => {
    const groups = groupSimilar(
      [
        [t('A', 'm', 'docs', ['a.ts']), t('X', 'n', 'lint', ['x.ts'])],
        [t('B', 'n', 'lint', ['b.ts'], ['A'])],
        [t('S', 'm', 'docs', [])],
      ],
      [false, false, true],
    );
    const where = (id: string) => groups.findIndex((g) => g.some((x) => x.id === id));
    expect(where('B')).toBeGreaterThan(where('A'));
    expect(groups[2].map((x) => x.id)).toEqual(['S']);
  });

  it('swaps two tasks when both batches are full, so each holds one module and one kind', () => {
    const groups = groupSimilar(
      [
        [t('A', 'src/x', 'docs', ['src/x/a.ts']), t('B', 'src/y', 'lint', ['src/y/b.ts'])],
        [t('C', 'src/y', 'lint', ['src/y/c.ts']), t('D', 'src/x', 'docs', ['src/x/d.ts'])],
      ],
      [false, false],
      2,
    );
    expect(
      groups
        .map((g) =>
          g
            .map((x) => x.id)
            .sort()
            .join(''),
        )
        .sort(),
    ).toEqual(['AD', 'BC']);
  });

  it('never lengthens the estimated makespan to group (same length: the more grouped one)', () => {
    // One agent at a time: moving B beside C would make batch 2 two waves of C's 5 minutes (7 minutes become 11).
    const batches = () => [
      [t('A', 'm', 'docs', ['a.ts'], [], 1), t('B', 'n', 'lint', ['b.ts'], [], 1)],
      [t('C', 'n', 'lint', ['c.ts'], [], 5)],
    ];
    expect(groupSimilar(batches(), [false, false], Infinity, 1).map((g) => g.map((x) => x.id))).toEqual([
      ['A', 'B'],
      ['C'],
    ]);
    // With agents to spare the move costs nothing, and B joins C.
    expect(groupSimilar(batches(), [false, false], Infinity, 4).map((g) => g.map((x) => x.id))).toEqual([
      ['A'],
      ['C', 'B'],
    ]);
  });
});
