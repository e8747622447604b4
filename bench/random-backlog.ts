import type { Risk, Task } from '../planner/types';

/** A seeded pseudo-random generator (mulberry32), so benchmarks and tests see the same backlogs. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const CATEGORIES = ['docs', 'types', 'naming', 'dead-code', 'refactor', 'tests', 'error-handling', 'lint'];

/**
 * A backlog shaped like real ones: `n` tasks over about `files` files in 20 modules, 1–3 files each with
 * some hot files, mostly low risk, a few dependencies on earlier tasks.
 */
export function randomBacklog(n: number, files = Math.max(10, Math.round(n * 0.3)), seed = 42): Task[] {
  const r = rng(seed);
  const pick = <T>(xs: T[]) => xs[Math.floor(r() * xs.length)];
  const fileName = (k: number) => `src/m${k % 20}/f${k}.ts`;
  return Array.from({ length: n }, (_, i) => {
    const count = 1 + Math.floor(r() * r() * 3);
    const touched = new Set<string>();
    // r()^2 skews towards low indexes: a few files are touched by many tasks.
    while (touched.size < count) touched.add(fileName(Math.floor(r() * r() * files)));
    const roll = r();
    const risk: Risk = roll < 0.55 ? 'low' : roll < 0.85 ? 'medium' : 'high';
    const id = `TASK-${String(i + 1).padStart(5, '0')}`;
    const deps = i > 0 && r() < 0.05 ? [`TASK-${String(1 + Math.floor(r() * i)).padStart(5, '0')}`] : [];
    return {
      id,
      title: `Task ${i + 1}`,
      category: pick(CATEGORIES),
      risk,
      files: [...touched],
      dependsOn: deps,
      description: '',
      changes: [],
      sourcePath: `tasks/${id}.md`,
    };
  });
}
