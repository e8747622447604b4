// The layering ARCHITECTURE.md describes, checked on the sources: imports point one way, folders stay small.
import * as fs from 'node:fs';
import * as path from 'node:path';

const root = path.resolve(__dirname, '..', '..');
const SOURCE_FOLDERS = ['core', 'planner', 'discover', 'activities', 'workflows', 'worker', 'client', 'dev', 'bench'];

function sources(dir: string): string[] {
  return fs.readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((e) => {
    const rel = path.posix.join(dir, e.name);
    if (e.isDirectory()) return sources(rel);
    return /\.(ts|js)$/.test(e.name) ? [rel] : [];
  });
}

/** Every relative import of a file: the folder-relative target and whether it is `import type`. */
function imports(file: string): Array<{ target: string; typeOnly: boolean; spec: string }> {
  const text = fs.readFileSync(path.join(root, file), 'utf8');
  const out: Array<{ target: string; typeOnly: boolean; spec: string }> = [];
  for (const m of text.matchAll(/^(import|export)\s+(type\s+)?[^'"]*?from\s+['"]([^'"]+)['"]/gm)) {
    const spec = m[3];
    const target = spec.startsWith('.') ? path.posix.normalize(path.posix.join(path.posix.dirname(file), spec)) : spec;
    out.push({ target, typeOnly: !!m[2], spec });
  }
  for (const m of text.matchAll(/require(?:\.resolve)?\(\s*['"]([^'"]+)['"]\s*\)/g)) {
    const spec = m[1];
    out.push({
      target: spec.startsWith('.') ? path.posix.normalize(path.posix.join(path.posix.dirname(file), spec)) : spec,
      typeOnly: false,
      spec,
    });
  }
  return out;
}

const under = (target: string, folder: string) => target === folder || target.startsWith(`${folder}/`);

describe('the layout', () => {
  it('activity code never imports from workflows/', () => {
    const bad = sources('activities').flatMap((f) =>
      imports(f)
        .filter((i) => under(i.target, 'workflows'))
        .map((i) => `${f} -> ${i.spec}`),
    );
    expect(bad).toEqual([]);
  });

  it('workflow code imports activity code as types only', () => {
    const bad = sources('workflows').flatMap((f) =>
      imports(f)
        .filter((i) => under(i.target, 'activities') && !i.typeOnly)
        .map((i) => `${f} -> ${i.spec}`),
    );
    expect(bad).toEqual([]);
  });

  it('core/ is pure: no Node APIs, no activities, no workflows, no Temporal beyond @temporalio/common (sandbox-safe)', () => {
    const bad = sources('core').flatMap((f) =>
      imports(f)
        .filter(
          (i) =>
            i.target.startsWith('node:') ||
            under(i.target, 'activities') ||
            under(i.target, 'workflows') ||
            (i.target.startsWith('@temporalio/') && i.target !== '@temporalio/common'),
        )
        .map((i) => `${f} -> ${i.spec}`),
    );
    expect(bad).toEqual([]);
  });

  it('production code does not import dev/ (the CLI injects the stand-in model and the dev server)', () => {
    const bad = ['worker', 'activities', 'workflows', 'core']
      .flatMap((d) => sources(d))
      .flatMap((f) =>
        imports(f)
          .filter((i) => under(i.target, 'dev'))
          .map((i) => `${f} -> ${i.spec}`),
      );
    expect(bad).toEqual([]);
  });

  it('no source folder holds more than 15 source files directly', () => {
    const counts = new Map<string, number>();
    for (const f of SOURCE_FOLDERS.flatMap((d) => sources(d)))
      counts.set(path.posix.dirname(f), (counts.get(path.posix.dirname(f)) ?? 0) + 1);
    const crowded = [...counts].filter(([, n]) => n > 15).map(([d, n]) => `${d}: ${n}`);
    expect(crowded).toEqual([]);
  });
});
