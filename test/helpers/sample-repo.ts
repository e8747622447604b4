import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { simpleGit } from 'simple-git';

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
  'tasks/TASK-0001.md': taskFile(
    'TASK-0001',
    'Document add',
    'docs',
    'low',
    ['src/math.js'],
    'src/math.js',
    'function add(a, b) {',
    '/** Adds two numbers. */\nfunction add(a, b) {',
  ),
  'tasks/TASK-0002.md': taskFile(
    'TASK-0002',
    'Document upper',
    'docs',
    'low',
    ['src/text.js'],
    'src/text.js',
    'function upper(s) {',
    '/** Upper-cases a string. */\nfunction upper(s) {',
  ),
  'tasks/TASK-0003.md': taskFile(
    'TASK-0003',
    'Document sub',
    'docs',
    'low',
    ['src/math.js'],
    'src/math.js',
    'function sub(a, b) {',
    '/** Subtracts b from a. */\nfunction sub(a, b) {',
  ),
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
