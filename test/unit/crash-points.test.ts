// The crash points are one registry (activities/crash-point.ts): every `crashPoint('x')` in the sources is registered,
// every registered point is placed exactly once, and the sweep (test/helpers/crash-sweep.ts) covers each one.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CRASH_POINTS } from '../../activities/crash-point';
import { SWEEP } from '../helpers/crash-sweep';

const root = path.resolve(__dirname, '..', '..');

function sources(dir: string): string[] {
  return fs.readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((e) => {
    const rel = path.posix.join(dir, e.name);
    if (e.isDirectory()) return sources(rel);
    return /\.ts$/.test(e.name) ? [rel] : [];
  });
}

/** Every `crashPoint(...)` call of the production sources, with its argument as written. */
function calls(): Array<{ file: string; arg: string }> {
  return ['activities', 'worker', 'workflows', 'core'].flatMap(sources).flatMap((file) =>
    // Calls, not the declaration (`function crashPoint(name…)`).
    [...fs.readFileSync(path.join(root, file), 'utf8').matchAll(/(?<!function )\bcrashPoint\(([^)]*)\)/g)].map((m) => ({
      file,
      arg: m[1].trim(),
    })),
  );
}

describe('the crash-point registry', () => {
  it('every crashPoint call names a registered point, as a string literal', () => {
    const bad = calls()
      .filter((c) => !/^'[^']+'$/.test(c.arg) || !(c.arg.slice(1, -1) in CRASH_POINTS))
      .map((c) => `${c.file}: crashPoint(${c.arg})`);
    expect(bad).toEqual([]);
  });

  it('every registered point is placed exactly once in the sources', () => {
    const placed = new Map<string, string[]>();
    for (const c of calls()) placed.set(c.arg.slice(1, -1), [...(placed.get(c.arg.slice(1, -1)) ?? []), c.file]);
    const wrong = Object.keys(CRASH_POINTS)
      .filter((p) => placed.get(p)?.length !== 1)
      .map((p) => `${p}: placed in [${(placed.get(p) ?? []).join(', ')}]`);
    expect(wrong).toEqual([]);
  });

  it('the sweep covers every registered point, and only those', () => {
    expect(Object.keys(SWEEP).sort()).toEqual(Object.keys(CRASH_POINTS).sort());
  });
});
