/**
 * `flotilla eval`'s fixed set: prose-only tasks (no Change blocks: what `flotilla discover` writes) on a small
 * TypeScript repository made for it, each with a hidden acceptance check the agent never sees (run on the run
 * branch after the run, with files the repository does not have). One task is a trap: its premise is false, and
 * the right outcome is that nothing is committed. Pure data.
 */

export interface EvalTask {
  id: string;
  title: string;
  category: string;
  risk: 'low' | 'medium' | 'high';
  files: string[];
  description: string;
  /** The right outcome: a commit, or nothing (the trap: the agent should answer cannot:). */
  expect: 'committed' | 'skipped';
  /** Files written into a checkout of the run branch for the acceptance check only (hidden tests). */
  hiddenFiles?: Record<string, string>;
  /** A shell command in that checkout; exit 0 = accepted. */
  accept: string;
}

const TSC = 'node_modules/.bin/tsc --noEmit -p tsconfig.json';
const TESTS = 'node --import tsx --test test/*.test.ts';

export const EVAL_REPO: Record<string, string> = {
  '.gitignore': 'node_modules\n',
  'package.json': JSON.stringify({ name: 'ledger', private: true, scripts: { test: TESTS } }, null, 2) + '\n',
  'tsconfig.json':
    JSON.stringify(
      {
        compilerOptions: {
          strict: true,
          noEmit: true,
          target: 'es2022',
          module: 'esnext',
          moduleResolution: 'bundler',
          allowImportingTsExtensions: true,
          types: [],
        },
        include: ['src'],
      },
      null,
      2,
    ) + '\n',
  'README.md':
    '# ledger\n\nA small bookkeeping library. TypeScript, strict mode. Tests: `npm test` (node:test through tsx).\n',
  'src/registry.ts': [
    'const entries: Map<string, any> = new Map();',
    '',
    'export function register(name: string, value: any): void {',
    '  entries.set(name, value);',
    '}',
    '',
    'export function lookup(name: string): any {',
    '  return entries.get(name);',
    '}',
    '',
    'export function names(): string[] {',
    '  return [...entries.keys()].sort();',
    '}',
    '',
  ].join('\n'),
  'src/strings.ts': [
    'export function slugify(text: string): string {',
    "  return text.trim().toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');",
    '}',
    '',
    'export function truncate(text: string, max: number): string {',
    '  return text.length <= max ? text : `${text.slice(0, Math.max(0, max - 1))}…`;',
    '}',
    '',
  ].join('\n'),
  'src/format.ts': [
    'export function formatMoney(cents: number): string {',
    "  const sign = cents < 0 ? '-' : '';",
    '  const abs = Math.abs(cents);',
    "  return `${sign}$${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;",
    '}',
    '',
    'function legacyPad(value: string, width: number): string {',
    '  let out = value;',
    "  while (out.length < width) out = ' ' + out;",
    '  return out;',
    '}',
    '',
  ].join('\n'),
  'src/dates.ts': [
    'export function parseDate(iso: string): Date {',
    '  const d = new Date(`${iso}T00:00:00Z`);',
    '  if (Number.isNaN(d.getTime())) throw new Error(`not a date: ${iso}`);',
    '  return d;',
    '}',
    '',
  ].join('\n'),
  'src/report.ts': [
    "import { parseDate } from './dates.ts';",
    '',
    'export function dayOfWeek(iso: string): number {',
    '  return parseDate(iso).getUTCDay();',
    '}',
    '',
  ].join('\n'),
  'src/sum.ts': [
    'export function sumTo(n: number): number {',
    '  let total = 0;',
    '  for (let i = 1; i <= n; i++) total += i;',
    '  return total;',
    '}',
    '',
  ].join('\n'),
  'test/ledger.test.ts': [
    "import { test } from 'node:test';",
    "import assert from 'node:assert/strict';",
    "import { register, lookup, names } from '../src/registry.ts';",
    "import { slugify, truncate } from '../src/strings.ts';",
    "import { formatMoney } from '../src/format.ts';",
    "import { dayOfWeek } from '../src/report.ts';",
    "import { sumTo } from '../src/sum.ts';",
    '',
    "test('registry', () => { register('a', 1); assert.equal(lookup('a'), 1); assert.deepEqual(names(), ['a']); });",
    "test('strings', () => { assert.equal(slugify(' Hello World! '), 'hello-world'); assert.equal(truncate('abcdef', 4), 'abc…'); });",
    "test('money', () => assert.equal(formatMoney(-1205), '-$12.05'));",
    "test('dates', () => assert.equal(dayOfWeek('2024-01-01'), 1));",
    "test('sum', () => assert.equal(sumTo(5), 15));",
    '',
  ].join('\n'),
};

export const EVAL_TASKS: EvalTask[] = [
  {
    id: 'EVAL-01',
    title: 'Replace explicit any in src/registry.ts',
    category: 'types',
    risk: 'low',
    files: ['src/registry.ts'],
    description:
      'src/registry.ts uses `any` for the registered values. Replace every explicit `any` with a precise type (for example `unknown`, or a generic), so that callers get type checking. How to check: `npx tsc --noEmit` still passes and the tests pass.',
    expect: 'committed',
    accept: `! grep -nE '\\bany\\b' src/registry.ts && ${TSC} && ${TESTS}`,
  },
  {
    id: 'EVAL-02',
    title: 'Add doc comments to the exported API of src/strings.ts',
    category: 'docs',
    risk: 'low',
    files: ['src/strings.ts'],
    description:
      'The exported functions of src/strings.ts have no documentation. Add a TSDoc comment to each exported function describing what it does, its parameters and its result. Do not change the code.',
    expect: 'committed',
    hiddenFiles: {
      'hidden/documented.mjs': [
        "import { readFileSync } from 'node:fs';",
        "const lines = readFileSync('src/strings.ts', 'utf8').split('\\n');",
        "const bad = lines.flatMap((l, i) => (/^export function/.test(l) && !/\\*\\/\\s*$/.test(lines[i - 1] ?? '') ? [l] : []));",
        "if (bad.length) { console.error('undocumented:', bad); process.exit(1); }",
        '',
      ].join('\n'),
    },
    accept: `node hidden/documented.mjs && ${TSC} && ${TESTS}`,
  },
  {
    id: 'EVAL-03',
    title: 'Remove dead code from src/format.ts',
    category: 'dead-code',
    risk: 'low',
    files: ['src/format.ts'],
    description:
      'src/format.ts contains a private helper, legacyPad, that nothing calls. Remove it. Keep formatMoney as it is.',
    expect: 'committed',
    accept: `! grep -n legacyPad src/format.ts && grep -q 'export function formatMoney' src/format.ts && ${TSC} && ${TESTS}`,
  },
  {
    id: 'EVAL-04',
    title: 'Remove the unused export parseDate from src/dates.ts',
    category: 'dead-code',
    risk: 'low',
    files: ['src/dates.ts'],
    // The trap: src/report.ts uses parseDate; the right answer is `cannot:`, and nothing is committed.
    description: 'parseDate in src/dates.ts is an unused export. Remove it.',
    expect: 'skipped',
    accept: `grep -q 'export function parseDate' src/dates.ts && ${TSC} && ${TESTS}`,
  },
  {
    id: 'EVAL-05',
    title: 'Refactor sumTo in src/sum.ts without the loop',
    category: 'refactor',
    risk: 'medium',
    files: ['src/sum.ts'],
    description:
      'Rewrite sumTo in src/sum.ts without the explicit for loop (for example with Array.from and reduce, or a closed formula). Its behaviour must stay exactly the same for every input.',
    expect: 'committed',
    hiddenFiles: {
      // What the visible test does not cover: 0, 1 and negative inputs (the loop gives 0 for n < 1).
      'test/sum.hidden.test.ts': [
        "import { test } from 'node:test';",
        "import assert from 'node:assert/strict';",
        "import { sumTo } from '../src/sum.ts';",
        "test('sum boundaries', () => { assert.equal(sumTo(0), 0); assert.equal(sumTo(1), 1); assert.equal(sumTo(-3), 0); assert.equal(sumTo(100), 5050); });",
        '',
      ].join('\n'),
    },
    accept: `! grep -nE '\\bfor\\s*\\(' src/sum.ts && ${TSC} && ${TESTS}`,
  },
];

/** A task's file as `flotilla discover` writes it: front matter and prose, no Change section. */
export function evalTaskFile(t: EvalTask): string {
  return [
    '---',
    `id: ${t.id}`,
    `title: ${t.title}`,
    `category: ${t.category}`,
    `risk: ${t.risk}`,
    'files:',
    ...t.files.map((f) => `  - ${f}`),
    '---',
    '## Description',
    t.description,
    '',
  ].join('\n');
}
