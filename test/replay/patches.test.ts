// The patch policy (CONTRIBUTING.md): every patched() id in workflows/ is registered in workflows/patches.ts,
// and the recorded histories cover both sides of it (a scenario recorded before the patch, one after).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PATCHES, type PatchRecord } from '../../workflows/patches';

const root = path.resolve(__dirname, '..', '..');
const historiesDir = path.join(__dirname, 'histories');

/** The patch calls in a workflow source: literal ids, and calls whose id is not a string literal (which the policy forbids). */
function patchCalls(text: string): { ids: string[]; nonLiteral: number } {
  const ids = [...text.matchAll(/\b(?:patched|deprecatePatch)\(\s*(['"`])([^'"`]+)\1\s*\)/g)].map((m) => m[2]);
  const all = [...text.matchAll(/\b(?:patched|deprecatePatch)\(/g)].length;
  return { ids, nonLiteral: all - ids.length };
}

/** The patch ids whose markers a scenario's recorded histories hold (the core_patch markers' payloads). */
function markersIn(scenario: string, base = historiesDir): Set<string> | undefined {
  const dir = path.join(base, scenario);
  if (!fs.existsSync(dir)) return undefined;
  const ids = new Set<string>();
  for (const f of fs.readdirSync(dir)) {
    const { history } = JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as {
      history: { events: Array<Record<string, any>> };
    };
    for (const e of history.events) {
      const m = e.markerRecordedEventAttributes;
      if (m?.markerName !== 'core_patch') continue;
      for (const p of m.details?.['patch-data']?.payloads ?? [])
        ids.add((JSON.parse(Buffer.from(p.data, 'base64').toString('utf8')) as { id: string }).id);
    }
  }
  return ids;
}

/** What breaks the policy, given the workflow sources (file → text), the registry and the recorded scenarios. */
function policyProblems(
  sources: Record<string, string>,
  registry: readonly PatchRecord[],
  markers: (scenario: string) => Set<string> | undefined,
): string[] {
  const problems: string[] = [];
  const used = new Set<string>();
  for (const [file, text] of Object.entries(sources)) {
    const { ids, nonLiteral } = patchCalls(text);
    if (nonLiteral) problems.push(`${file}: ${nonLiteral} patch call(s) whose id is not a string literal`);
    for (const id of ids) {
      used.add(id);
      if (!registry.some((p) => p.id === id)) problems.push(`${file}: patched('${id}') is not in workflows/patches.ts`);
    }
  }
  for (const p of registry) {
    if (!used.has(p.id))
      problems.push(
        `${p.id}: registered, but no workflow calls it (remove it from the registry once its code is gone)`,
      );
    if (!/^\d{4}-\d{2}-\d{2}$/.test(p.added)) problems.push(`${p.id}: added must be a date YYYY-MM-DD`);
    if (!p.deprecateIn || !p.removeIn)
      problems.push(`${p.id}: say the releases in which it becomes deprecatePatch and goes`);
    const before = markers(p.recorded.without);
    const after = markers(p.recorded.with);
    if (!before) problems.push(`${p.id}: no recorded scenario '${p.recorded.without}' (its old side)`);
    else if (before.has(p.id))
      problems.push(`${p.id}: '${p.recorded.without}' was recorded with the patch, so it does not cover the old side`);
    if (!after) problems.push(`${p.id}: no recorded scenario '${p.recorded.with}' (its new side)`);
    else if (!after.has(p.id))
      problems.push(`${p.id}: '${p.recorded.with}' holds no marker of the patch, so it does not cover the new side`);
  }
  return problems;
}

/** Every workflow source, in workflows/ and its folders (the registry itself aside). */
function workflowSources(dir = 'workflows'): Record<string, string> {
  return Object.fromEntries(
    fs.readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((e) => {
      const rel = `${dir}/${e.name}`;
      if (e.isDirectory()) return Object.entries(workflowSources(rel));
      return e.name.endsWith('.ts') && rel !== 'workflows/patches.ts'
        ? [[rel, fs.readFileSync(path.join(root, rel), 'utf8')]]
        : [];
    }),
  );
}

describe('the patch policy', () => {
  it('every patched() id in workflows/ is registered and covered on both sides by recorded histories', () => {
    const sources = workflowSources();
    expect(Object.keys(sources)).toEqual(expect.arrayContaining(['workflows/run.ts', 'workflows/task/task.ts']));
    expect(policyProblems(sources, PATCHES, markersIn)).toEqual([]);
  });

  it('names an unregistered patch, a non-literal id, and a patch whose sides are not recorded', () => {
    const sources = { 'workflows/x.ts': "if (patched('new-step')) a(); if (patched(name)) b();" };
    expect(policyProblems(sources, [], () => new Set())).toEqual([
      'workflows/x.ts: 1 patch call(s) whose id is not a string literal',
      "workflows/x.ts: patched('new-step') is not in workflows/patches.ts",
    ]);
    const registered: PatchRecord = {
      id: 'new-step',
      added: '2026-12-07',
      recorded: { without: 'updates', with: 'updates-new-step' },
      deprecateIn: '0.3.0',
      removeIn: '0.4.0',
    };
    const scenarios: Record<string, Set<string>> = { updates: new Set() };
    expect(
      policyProblems({ 'workflows/x.ts': "patched('new-step')" }, [registered], (s: string) => scenarios[s]),
    ).toEqual(["new-step: no recorded scenario 'updates-new-step' (its new side)"]);
    scenarios['updates-new-step'] = new Set(['new-step']);
    expect(
      policyProblems({ 'workflows/x.ts': "patched('new-step')" }, [registered], (s: string) => scenarios[s]),
    ).toEqual([]);
  });

  it('reads the patch markers of a recorded history', () => {
    // The recordings of 0.2.0 carry none (every patch was retired); the reader is checked on a marker as the CLI writes it.
    const scenario = fs.readdirSync(historiesDir)[0];
    expect(markersIn(scenario)).toEqual(new Set());
    const data = Buffer.from(JSON.stringify({ id: 'x', deprecated: false })).toString('base64');
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-histories-'));
    try {
      const event = {
        markerRecordedEventAttributes: {
          markerName: 'core_patch',
          details: { 'patch-data': { payloads: [{ data }] } },
        },
      };
      fs.writeFileSync(path.join(tmp, 'run.json'), JSON.stringify({ workflowId: 'w', history: { events: [event] } }));
      expect(markersIn(path.basename(tmp), path.dirname(tmp))).toEqual(new Set(['x']));
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });
});
