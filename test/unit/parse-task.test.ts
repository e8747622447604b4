import fc from 'fast-check';
import { parseChangeBlocks, parseTaskFile, parseTaskFiles } from '../../planner';
import { fencedBlocks } from '../../planner/parse-task';

const valid = `---
id: TASK-0007
title: Add JSDoc to the public API of src/parser.ts
category: docs
risk: low
files:
  - src/parser.ts
tests: npx jest test/parser.test.ts
depends_on: [TASK-0003]
---
## Description
Explain things.

## Change
\`\`\`ts
src/parser.ts
<<<<<<< SEARCH
export function parse(s) {
=======
/** Parses s. */
export function parse(s) {
>>>>>>> REPLACE
\`\`\`
`;

describe('parseTaskFile', () => {
  it('reads front matter, description and change blocks', () => {
    const r = parseTaskFile({ path: 'tasks/TASK-0007.md', text: valid });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.task).toMatchObject({
      id: 'TASK-0007',
      category: 'docs',
      risk: 'low',
      files: ['src/parser.ts'],
      tests: 'npx jest test/parser.test.ts',
      dependsOn: ['TASK-0003'],
      description: 'Explain things.',
      sourcePath: 'tasks/TASK-0007.md',
    });
    expect(r.task.changes).toEqual([
      {
        path: 'src/parser.ts',
        search: 'export function parse(s) {\n',
        replace: '/** Parses s. */\nexport function parse(s) {\n',
      },
    ]);
  });

  it.each([
    ['no front matter', '# just a title\n', 'no YAML front matter'],
    ['bad yaml', '---\nid: TASK-1\ntitle: [oops\n---\n', 'not valid YAML'],
    ['missing id', '---\ntitle: Something\n---\n', 'no id'],
    ['missing title', '---\nid: TASK-1\n---\n', 'no title'],
    ['bad risk', '---\nid: TASK-1\ntitle: T\nrisk: extreme\n---\n', 'risk "extreme"'],
    ['path outside', '---\nid: TASK-1\ntitle: T\nfiles: [../etc/passwd]\n---\n', 'outside the repository'],
    ['absolute path', '---\nid: TASK-1\ntitle: T\nfiles: [/etc/passwd]\n---\n', 'outside the repository'],
  ])('reports %s with the file name and reason', (_name, text, reason) => {
    const r = parseTaskFile({ path: 'tasks/TASK-0001.md', text });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problem.file).toBe('tasks/TASK-0001.md');
    expect(r.problem.reason).toContain(reason);
  });

  it('keeps the first of two files with the same id and reports the second', () => {
    const r = parseTaskFiles([
      { path: 'tasks/TASK-0002.md', text: valid },
      { path: 'tasks/TASK-0001.md', text: valid },
    ]);
    expect(r.tasks.map((t) => t.sourcePath)).toEqual(['tasks/TASK-0001.md']);
    expect(r.problems).toEqual([
      {
        file: 'tasks/TASK-0002.md',
        id: 'TASK-0007',
        reason: 'duplicate id TASK-0007 (already used by tasks/TASK-0001.md)',
      },
    ]);
  });
});

describe('parseChangeBlocks', () => {
  it('reads several blocks in one fence and a create block', () => {
    const body = [
      '```',
      'a.ts',
      '<<<<<<< SEARCH',
      'x',
      '=======',
      'y',
      '>>>>>>> REPLACE',
      '<<<<<<< SEARCH',
      'z',
      '=======',
      '>>>>>>> REPLACE',
      'b.ts',
      '<<<<<<< SEARCH',
      '=======',
      'new',
      '>>>>>>> REPLACE',
      '```',
    ].join('\n');
    expect(parseChangeBlocks(body).blocks).toEqual([
      { path: 'a.ts', search: 'x\n', replace: 'y\n' },
      { path: 'a.ts', search: 'z\n', replace: '' },
      { path: 'b.ts', search: '', replace: 'new\n' },
    ]);
  });

  it('reports an unterminated block', () => {
    expect(parseChangeBlocks('```\na.ts\n<<<<<<< SEARCH\nx\n```').error).toContain('no =======');
  });
});

describe('fence parsing in linear time (issue 11)', () => {
  const head = '---\nid: TASK-9\ntitle: Hostile\n---\n## Change\n';
  /** The regular expression the parser used to use: quadratic on unclosed fences. */
  const byRegex = (body: string) => {
    const out: string[] = [];
    const fence = /^(```+|~~~+)[^\n]*\n([\s\S]*?)^\1[ \t]*$/gm;
    let m: RegExpExecArray | null;
    while ((m = fence.exec(body))) out.push(m[2]);
    return out;
  };

  it('finds the same blocks as the regular expression did', () => {
    const piece = fc.constantFrom(
      '```',
      '````',
      '~~~',
      '~~~~',
      '```ts',
      '``` ',
      '````\t',
      '``',
      'a',
      '',
      'x\r',
      '```\r',
      '```\r```',
      'a\u2028```',
      '~~~\r\n',
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 30 }), (parts) => {
        const body = parts.join('\n');
        expect(fencedBlocks(body)).toEqual(byRegex(body));
      }),
      { numRuns: 3000 },
    );
  });

  it.each([
    ['unclosed fences of two kinds', '```a\n~~~b\n'.repeat(20_000)],
    ['unclosed fences separated by carriage returns', '```\r'.repeat(50_000) + '\n'],
    [
      'long fences with many closing lengths',
      Array.from({ length: 600 }, (_, i) => '`'.repeat(3 + i)).join('\n') +
        '\n' +
        ('`'.repeat(700) + 'x\n').repeat(200),
    ],
  ])('parses 200 KB of %s within 1 s', (_name, body) => {
    expect(body.length).toBeGreaterThanOrEqual(200_000);
    const started = Date.now();
    const r = parseTaskFile({ path: 'tasks/TASK-9.md', text: head + body });
    expect(Date.now() - started).toBeLessThan(1000);
    expect(r.ok).toBe(true);
  });
});
