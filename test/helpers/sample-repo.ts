import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { simpleGit } from 'simple-git';

/** The sample's docs tasks: a comment on one function (TASK-0001 add, TASK-0002 upper, TASK-0003 sub in SAMPLE_FILES). */
const DOC_TASKS = {
  add: {
    title: 'Document add',
    file: 'src/math.js',
    search: 'function add(a, b) {',
    replace: '/** Adds two numbers. */\nfunction add(a, b) {',
  },
  upper: {
    title: 'Document upper',
    file: 'src/text.js',
    search: 'function upper(s) {',
    replace: '/** Upper-cases a string. */\nfunction upper(s) {',
  },
  sub: {
    title: 'Document sub',
    file: 'src/math.js',
    search: 'function sub(a, b) {',
    replace: '/** Subtracts b from a. */\nfunction sub(a, b) {',
  },
};

/** A low-risk docs task `id` that comments one of the sample's functions; tests and deps as in taskFile. */
export function docTask(id: string, fn: keyof typeof DOC_TASKS, tests?: string, deps?: string[]): string {
  const t = DOC_TASKS[fn];
  return taskFile(id, t.title, 'docs', 'low', [t.file], t.file, t.search, t.replace, tests, deps);
}

/** A tiny JavaScript project with node:test tests and six task files, committed in a temp folder. */
export const SAMPLE_FILES: Record<string, string> = {
  'package.json':
    JSON.stringify({ name: 'sample', private: true, scripts: { test: 'node --test test/' } }, null, 2) + '\n',
  'src/math.js': [
    'function add(a, b) {',
    '  return a + b;',
    '}',
    '',
    'function sub(a, b) {',
    '  return a - b;',
    '}',
    '',
    'module.exports = { add, sub };',
    '',
  ].join('\n'),
  'src/text.js': ['function upper(s) {', '  return s.toUpperCase();', '}', '', 'module.exports = { upper };', ''].join(
    '\n',
  ),
  'test/math.test.js': [
    "const test = require('node:test');",
    "const assert = require('node:assert/strict');",
    "const { add, sub } = require('../src/math');",
    "test('add adds two numbers', () => assert.equal(add(2, 3), 5));",
    "test('sub subtracts', () => assert.equal(sub(5, 3), 2));",
    '',
  ].join('\n'),
  'test/text.test.js': [
    "const test = require('node:test');",
    "const assert = require('node:assert/strict');",
    "const { upper } = require('../src/text');",
    "test('upper makes capitals', () => assert.equal(upper('ab'), 'AB'));",
    '',
  ].join('\n'),
  'tasks/TASK-0001.md': docTask('TASK-0001', 'add'),
  'tasks/TASK-0002.md': docTask('TASK-0002', 'upper'),
  'tasks/TASK-0003.md': docTask('TASK-0003', 'sub'),
  'tasks/TASK-0004.md': taskFile(
    'TASK-0004',
    'Simplify add',
    'refactor',
    'medium',
    ['src/math.js'],
    'src/math.js',
    '  return a + b;',
    '  return a - b;',
    'node --test test/math.test.js',
  ),
  'tasks/TASK-0005.md': '---\nid: TASK-0005\ntitle: [broken\n---\n## Description\nBad front matter.\n',
  'tasks/TASK-0006.md': taskFile(
    'TASK-0006',
    'Add a shout helper',
    'refactor',
    'high',
    ['src/shout.js'],
    'src/shout.js',
    '',
    "module.exports = (s) => s.toUpperCase() + '!';",
    undefined,
    ['TASK-0002'],
  ),
};

/** The named files of SAMPLE_FILES (a smaller sample repository, to which a test adds its own files). */
export function sampleFiles(...paths: string[]): Record<string, string> {
  return Object.fromEntries(
    paths.map((p) => {
      if (!(p in SAMPLE_FILES)) throw new Error(`no ${p} in SAMPLE_FILES`);
      return [p, SAMPLE_FILES[p]];
    }),
  );
}

export function taskFile(
  id: string,
  title: string,
  category: string,
  risk: string,
  files: string[],
  file: string,
  search: string,
  replace: string,
  tests?: string,
  deps?: string[],
): string {
  return [
    '---',
    `id: ${id}`,
    `title: ${title}`,
    `category: ${category}`,
    `risk: ${risk}`,
    'files:',
    ...files.map((f) => `  - ${f}`),
    ...(tests ? [`tests: ${tests}`] : []),
    ...(deps ? [`depends_on: [${deps.join(', ')}]`] : []),
    '---',
    '## Description',
    `${title}.`,
    '',
    '## Change',
    '```',
    file,
    '<<<<<<< SEARCH',
    ...(search ? [search] : []),
    '=======',
    replace,
    '>>>>>>> REPLACE',
    '```',
    '',
  ].join('\n');
}

/**
 * One task of a repository of independent one-file tasks: src/f<i>.js (`module.exports = 1;`) and TASK-000<i>, a
 * low-risk docs task "Touch f<i>" that comments it (or puts `replace` in its place) and runs `tests`.
 */
export function touchTask(i: number, tests: string, replace = `module.exports = 1; // f${i}`): Record<string, string> {
  return {
    [`src/f${i}.js`]: 'module.exports = 1;\n',
    [`tasks/TASK-000${i}.md`]: taskFile(
      `TASK-000${i}`,
      `Touch f${i}`,
      'docs',
      'low',
      [`src/f${i}.js`],
      `src/f${i}.js`,
      'module.exports = 1;',
      replace,
      tests,
    ),
  };
}

export async function makeSampleRepo(files: Record<string, string> = SAMPLE_FILES): Promise<string> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-sample-'));
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), text);
  }
  const git = simpleGit({ baseDir: dir, config: ['user.name=Test User', 'user.email=test@example.com'] });
  await git.init(['--initial-branch=main']);
  await git.add('.');
  await git.commit('initial');
  return dir;
}
