import { groupSimilar } from '../../planner/group-similar';
import type { PlannedTask } from '../../planner/types';

const t = (id: string, module: string, category: string, touches: string[], dependsOn: string[] = []): PlannedTask => ({
  id,
  title: id,
  category,
  risk: 'low',
  touches,
  dependsOn,
  sourcePath: `tasks/${id}.md`,
  module,
  estimateMinutes: 2,
});

describe('groupSimilar', () => {
  it('gathers each module and kind of change into one batch when files allow', () => {
    const groups = groupSimilar(
      [
        [t('A', 'src/x', 'docs', ['src/x/a.ts']), t('B', 'src/y', 'types', ['src/y/b.ts']), t('E', 'src/z', 'lint', ['shared.ts'])],
        [t('C', 'src/x', 'docs', ['src/x/c.ts']), t('D', 'src/y', 'types', ['src/y/d.ts']), t('F', 'src/z', 'lint', ['shared.ts'])],
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
      [[t('A', 'm', 'docs', ['a.ts']), t('X', 'n', 'lint', ['x.ts'])], [t('B', 'n', 'lint', ['b.ts'], ['A'])], [t('S', 'm', 'docs', [])]],
      [false, false, true],
    );
    const where = (id: string) => groups.findIndex((g) => g.some((x) => x.id === id));
    expect(where('B')).toBeGreaterThan(where('A'));
    expect(groups[2].map((x) => x.id)).toEqual(['S']);
  });
});
