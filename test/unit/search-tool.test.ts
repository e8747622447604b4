import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runSearch } from '../../activities/agent/search-tool';
import { listFiles, pathPattern } from '../../activities/git/worktree-files';

describe('pathPattern', () => {
  it.each([
    ['*.ts', 'src/a.ts', true],
    ['*.ts', 'a.ts', true],
    ['*.ts', 'src/a.tsx', false],
    ['src/*.ts', 'src/a.ts', true],
    ['src/*.ts', 'src/lib/a.ts', false],
    ['src/**/*.ts', 'src/a.ts', true],
    ['src/**/*.ts', 'src/lib/deep/a.ts', true],
    ['src/**', 'src/lib/a.ts', true],
    ['./src/?.ts', 'src/a.ts', true],
    ['README*', 'docs/README.md', true],
    ['a.b', 'axb', false],
  ])('%s against %s is %s', (glob, file, expected) => {
    expect(pathPattern(glob).test(file)).toBe(expected);
  });
});

describe('search tool', () => {
  let root: string;
  let outside: string;
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-search-'));
    outside = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-outside-'));
    for (const [rel, text] of Object.entries({
      'src/a.ts': 'export const a = 1;\n// TODO: name this\n',
      'src/lib/b.ts': 'export const b = 2;\n',
      'test/a.test.ts': "import { a } from '../src/a';\n",
      '.git/config': 'TODO in git\n',
      'node_modules/x/index.js': 'TODO in deps\n',
    })) {
      fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
      fs.writeFileSync(path.join(root, rel), text);
    }
    fs.writeFileSync(path.join(outside, 'secret.ts'), 'TODO secret\n');
    fs.symlinkSync(outside, path.join(root, 'escape'));
    fs.symlinkSync(path.join(outside, 'secret.ts'), path.join(root, 'src/link.ts'));
  });

  it('lists files, skipping .git, node_modules and symlinks', () => {
    expect(listFiles(root)).toEqual(['src/a.ts', 'src/lib/b.ts', 'test/a.test.ts']);
    const r = runSearch(root, { command: 'files', pattern: 'src/**/*.ts' });
    expect(r).toEqual({ content: 'src/a.ts\nsrc/lib/b.ts', isError: false });
    expect(runSearch(root, { command: 'files', pattern: '*.py' }).content).toBe('No files match *.py.');
  });

  it('greps a regex with path:line, optionally only in matching files, never outside the worktree', () => {
    expect(runSearch(root, { command: 'grep', pattern: 'TODO' })).toEqual({
      content: 'src/a.ts:2: // TODO: name this',
      isError: false,
    });
    expect(runSearch(root, { command: 'grep', pattern: 'export const \\w', include: 'src/lib/*.ts' }).content).toBe(
      'src/lib/b.ts:1: export const b = 2;',
    );
    expect(runSearch(root, { command: 'grep', pattern: 'todo', ignore_case: true }).content).toContain('src/a.ts:2');
    expect(runSearch(root, { command: 'grep', pattern: 'secret' }).content).toBe('No lines match /secret/.');
  });

  it('bounds its output and says so', () => {
    fs.writeFileSync(
      path.join(root, 'big.txt'),
      Array.from({ length: 1000 }, (_, i) => `line ${i} ${'x'.repeat(500)}`).join('\n'),
    );
    const r = runSearch(root, { command: 'grep', pattern: 'line' });
    expect(r.content.length).toBeLessThan(9_000);
    expect(r.content).toMatch(/truncated after \d+ results; narrow the pattern/);
  });

  it('reports bad input as tool errors', () => {
    expect(runSearch(root, { command: 'grep', pattern: '(' })).toMatchObject({
      isError: true,
      content: expect.stringContaining('invalid regular expression'),
    });
    expect(runSearch(root, { command: 'grep' })).toMatchObject({
      isError: true,
      content: 'Error: pattern is required',
    });
    expect(runSearch(root, { command: 'rm', pattern: '*' })).toMatchObject({
      isError: true,
      content: expect.stringContaining('use files or grep'),
    });
  });

  it('runs a catastrophic regex in linear time: ^(a+)+$ against a*40+b returns within 1 s (issue 11)', () => {
    fs.writeFileSync(path.join(root, 'evil.txt'), `${'a'.repeat(40)}b\n`.repeat(50));
    const started = Date.now();
    const r = runSearch(root, { command: 'grep', pattern: '^(a+)+$' });
    expect(Date.now() - started).toBeLessThan(1000);
    expect(r).toEqual({ content: 'No lines match /^(a+)+$/.', isError: false });
    expect(runSearch(root, { command: 'grep', pattern: '^(a+)+b$' }).content).toContain('evil.txt:1:');
  });

  it('matches globs in linear time too, and refuses what RE2 cannot do in linear time', () => {
    fs.writeFileSync(path.join(root, `${'a'.repeat(60)}.txt`), 'x\n');
    const started = Date.now();
    expect(runSearch(root, { command: 'files', pattern: `${'*a'.repeat(25)}*b` }).content).toMatch(/^No files match/);
    expect(runSearch(root, { command: 'grep', pattern: 'x', include: `${'*a'.repeat(25)}*b` }).content).toMatch(
      /^No lines match/,
    );
    expect(Date.now() - started).toBeLessThan(1000);
    expect(runSearch(root, { command: 'grep', pattern: '(a)\\1' })).toMatchObject({
      isError: true,
      content: expect.stringContaining('backreferences'),
    });
    expect(runSearch(root, { command: 'grep', pattern: 'a(?=b)' })).toMatchObject({
      isError: true,
      content: expect.stringContaining('invalid regular expression'),
    });
  });
});
