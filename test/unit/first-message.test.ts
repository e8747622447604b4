import { declaredFilesSection, firstMessage, type TheWork } from '../../activities/agent/prompt/first-message';

const work = (over: Partial<TheWork> = {}): TheWork => ({
  taskId: 'TASK-0042',
  taskFile: '---\nid: TASK-0042\n---\nDocument it.',
  declared: [{ path: 'src/a.ts', text: 'export const a = 1;\n' }],
  tests: { command: 'npm test', own: false, selection: 'related to src/a.ts: test/a.test.ts' },
  conventions: { language: 'TypeScript' },
  maxChangedLines: 200,
  maxTurns: 30,
  ...over,
});

describe('the first message (issue 25)', () => {
  it('numbers the declared files, says which do not exist yet, and keeps to its budget', () => {
    const big = Array.from({ length: 5_000 }, (_, i) => `const line${i} = ${i};`).join('\n');
    const s = declaredFilesSection(
      [{ path: 'src/new.ts' }, { path: 'src/big.ts', text: big }, { path: 'src/c.ts', text: 'c' }],
      10_000,
      8_000,
    ).join('\n');
    expect(s).toContain('<file path="src/new.ts">(does not exist yet: the task creates it)</file>');
    expect(s).toContain('     1\tconst line0 = 0;');
    expect(s).toContain('… (the rest is not shown: view it with view_range)');
    expect(s).not.toContain('const line4999');
    expect(s.length).toBeLessThan(11_000);
    expect(s).toContain('<file path="src/c.ts">\n     1\tc\n</file>');
  });

  it("says what the gate runs: the task's own tests as they are, or the selection; tests tasks may change tests", () => {
    expect(firstMessage(work({ tests: { command: 'npm run test:a', own: true } }))).toContain(
      "The gate runs the task's own test command: `npm run test:a`.",
    );
    const m = firstMessage(work());
    expect(m).toContain('For the files the task declares that is: related to src/a.ts: test/a.test.ts.');
    expect(m).toContain('Do not change what any test expects');
    expect(firstMessage(work({ category: 'tests' }))).toContain('This is a tests task: you may change tests');
  });

  it('on a retry after a review, says the references point into the previous diff and asks for every comment', () => {
    const m = firstMessage(
      work({
        previous: {
          attempt: 1,
          from: 'review',
          verdict: 'The code reviewer requested changes: keep the boundary',
          diff: '--- a/src/a.ts\n+++ b/src/a.ts',
        },
      }),
    );
    expect(m).toContain('Attempt 1 at this task was refused by the review');
    expect(m).toContain("the reviewer's file:line references point into the new side of this diff");
    expect(m).toContain('answers every review comment');
  });
});
