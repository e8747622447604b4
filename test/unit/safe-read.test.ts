import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { WorktreeEditor } from '../../activities/agent/editor-tool';
import { readPackageJson } from '../../activities/package-json';
import { readSafe, readTextSafeSync } from '../../activities/safe-read';
import { withSandboxPolicy } from '../../activities/sandbox';
import { runWithReport } from '../../activities/test-runs/run-with-report';
import { detectTestCommand } from '../../activities/test-runs/detect-test-command';
import { selectTaskTests } from '../../activities/test-selection/select-task-tests';
import { analyseRepository } from '../../discover';

/**
 * Issue 22: files a repository or a command controls are read safely everywhere the worker reads them. A FIFO
 * (no writer: a plain read waits forever, with `readFileSync` the whole event loop), a link to /dev/zero (a read
 * that never ends), a huge file: the worker neither blocks nor dies, and says why it did not read them.
 */

const tmp = (prefix: string) => fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), prefix)));
const mkfifo = (file: string) => execFileSync('mkfifo', [file]);
/** A sparse file of `bytes` (no disk used). */
const huge = (file: string, bytes: number) => {
  fs.writeFileSync(file, '');
  fs.truncateSync(file, bytes);
};

/** Resolves with how often a 10 ms timer fired while `work` ran: zero means the event loop was blocked. */
async function ticksDuring<T>(work: () => Promise<T>): Promise<{ value: T; ticks: number }> {
  let ticks = 0;
  const timer = setInterval(() => ticks++, 10);
  try {
    const value = await work();
    return { value, ticks };
  } finally {
    clearInterval(timer);
  }
}

describe('the safe reader (issue 22)', () => {
  const dir = tmp('flotilla-safe-read-');

  it('reads a regular file; refuses a FIFO at once, a link (to /dev/zero), a device, a folder and a file over the cap, saying why', async () => {
    fs.writeFileSync(path.join(dir, 'ok.txt'), 'fine\n');
    mkfifo(path.join(dir, 'fifo'));
    fs.symlinkSync('/dev/zero', path.join(dir, 'zero'));
    huge(path.join(dir, 'huge'), 64 * 1024 * 1024);
    expect((await readSafe(path.join(dir, 'ok.txt'))).toString()).toBe('fine\n');
    expect(readTextSafeSync(path.join(dir, 'ok.txt'))).toBe('fine\n');
    const cases: Array<[string, string, RegExp]> = [
      ['fifo', 'ENOTREG', /fifo is a FIFO, not a regular file/],
      ['zero', 'ELOOP', /zero is a symlink: not followed/],
      ['huge', 'EFBIG', /huge is 64 MB, more than the 16 MB read at most/],
    ];
    for (const [name, code, message] of cases) {
      await expect(readSafe(path.join(dir, name))).rejects.toMatchObject({
        code,
        message: expect.stringMatching(message),
      });
      expect(() => readTextSafeSync(path.join(dir, name))).toThrow(message);
    }
    await expect(readSafe('/dev/zero')).rejects.toMatchObject({
      code: 'ENOTREG',
      message: '/dev/zero is a character device, not a regular file: not read',
    });
    await expect(readSafe(dir)).rejects.toMatchObject({ code: 'EISDIR' });
    await expect(readSafe(path.join(dir, 'missing'))).rejects.toMatchObject({ code: 'ENOENT' });
    expect(readTextSafeSync(path.join(dir, 'ok.txt'), 5)).toBe('fine\n');
    expect(() => readTextSafeSync(path.join(dir, 'ok.txt'), 4)).toThrow(/more than/);
  });

  it.each([
    ['a FIFO', 'mkfifo "$out"', /jest's report was not read: .* is a FIFO, not a regular file/],
    ['a link to /dev/zero', 'ln -s /dev/zero "$out"', /jest's report was not read: .* is a symlink: not followed/],
    [
      'a 200 MB file',
      'truncate -s 200M "$out"',
      /jest's report was not read: .* is 200 MB, more than the 128 MB read at most/,
    ],
  ])(
    'a test command that leaves %s as its report: the run goes on from the output text, with the reason, and the event loop runs',
    async (_what, plant, reason) => {
      const root = tmp('flotilla-safe-report-');
      const bin = path.join(root, 'bin');
      fs.mkdirSync(bin);
      const wt = path.join(root, 'wt');
      fs.mkdirSync(wt);
      // A "jest" that puts the special file where its report goes, and fails one test the text way.
      fs.writeFileSync(
        path.join(bin, 'jest'),
        `#!/bin/sh\nfor a in "$@"; do case "$a" in --outputFile=*) out="\${a#--outputFile=}";; esac; done\n${plant}\necho 'FAIL src/a.test.js'\necho '  ● a › breaks'\nexit 1\n`,
        { mode: 0o755 },
      );
      const saved = process.env.PATH;
      process.env.PATH = `${bin}:${saved}`;
      try {
        const { value: run, ticks } = await ticksDuring(() =>
          withSandboxPolicy({ mode: 'off', network: false }, () =>
            runWithReport('jest', wt, path.join(root, 'logs', 'run.log'), { scripts: {} }),
          ),
        );
        expect(run.plan.reportFile).toBeDefined();
        expect(run.source).toBe('text');
        expect(run.note).toMatch(reason);
        expect(run.exitCode).toBe(1);
        expect(ticks).toBeGreaterThan(0);
        expect(fs.readFileSync(path.join(root, 'logs', 'run.log'), 'utf8')).toMatch(reason);
      } finally {
        process.env.PATH = saved;
      }
    },
    30_000,
  );

  it("the editor's view and replace refuse a FIFO at once, with the reason; other files still work", () => {
    const root = tmp('flotilla-safe-editor-');
    fs.writeFileSync(path.join(root, 'a.ts'), 'one\n');
    mkfifo(path.join(root, 'pipe.ts'));
    huge(path.join(root, 'big.ts'), 100 * 1024 * 1024);
    const e = new WorktreeEditor(root);
    expect(e.run({ command: 'view', path: 'pipe.ts' })).toEqual({
      content: 'Error: pipe.ts is a FIFO, not a regular file: not read',
      isError: true,
    });
    expect(e.run({ command: 'str_replace', path: 'pipe.ts', old_str: 'x', new_str: 'y' })).toEqual({
      content: 'Error: pipe.ts is a FIFO, not a regular file: not read',
      isError: true,
    });
    expect(e.run({ command: 'insert', path: 'pipe.ts', insert_line: 0, insert_text: 'x' }).isError).toBe(true);
    expect(e.run({ command: 'view', path: 'big.ts' }).content).toMatch(
      /^Error: big.ts is 100 MB, more than the 8 MB read at most/,
    );
    expect(e.run({ command: 'view', path: 'a.ts' }).content).toBe('     1\tone\n     2\t');
    // A link inside the worktree to another of its files is still viewed (where it leads, resolved first).
    fs.symlinkSync('a.ts', path.join(root, 'alias.ts'));
    expect(e.run({ command: 'view', path: 'alias.ts' }).content).toBe('     1\tone\n     2\t');
  });

  it('package.json, a Makefile and test selection: a FIFO, a link to /dev/zero and a huge file are skipped, the choice is still made', async () => {
    const wt = tmp('flotilla-safe-select-');
    const git = (...a: string[]) =>
      execFileSync('git', ['-c', 'user.name=T', '-c', 'user.email=t@x', ...a], { cwd: wt });
    git('init', '-q');
    fs.mkdirSync(path.join(wt, 'src'));
    fs.mkdirSync(path.join(wt, 'test'));
    fs.writeFileSync(path.join(wt, 'src', 'a.js'), 'module.exports = 1;\n');
    fs.writeFileSync(path.join(wt, 'test', 'a.test.js'), "require('../src/a');\n");
    fs.symlinkSync('/dev/zero', path.join(wt, 'src', 'zero.js'));
    fs.writeFileSync(path.join(wt, 'package.json'), JSON.stringify({ scripts: { test: 'jest' } }));
    git('add', '-A');
    git('commit', '-qm', 'sources with a link to /dev/zero');
    // A test run leaves a FIFO and a huge file among the sources (new files: test selection reads them too).
    mkfifo(path.join(wt, 'src', 'pipe.js'));
    huge(path.join(wt, 'src', 'huge.js'), 3 * 1024 * 1024 * 1024);
    const started = Date.now();
    const choice = await selectTaskTests(wt, 'npx jest', ['src/a.js']);
    expect(choice.command).toBe('npx jest --findRelatedTests src/a.js --passWithNoTests');
    expect(choice.selection).toContain('test/a.test.js');
    fs.rmSync(path.join(wt, 'package.json'));
    mkfifo(path.join(wt, 'package.json'));
    mkfifo(path.join(wt, 'Makefile'));
    expect(readPackageJson(wt)).toBeUndefined();
    expect(detectTestCommand(wt)).toBeNull();
    expect((await selectTaskTests(wt, 'npx jest', ['src/a.js'])).selection).toContain('test/a.test.js');
    expect(Date.now() - started).toBeLessThan(10_000);
  }, 30_000);

  it('discover reads around a FIFO, a link to /dev/zero and a huge file among the sources (TypeScript compiler included)', () => {
    const repo = tmp('flotilla-safe-discover-');
    fs.mkdirSync(path.join(repo, 'src'));
    fs.writeFileSync(path.join(repo, 'src', 'a.ts'), '// TODO: tidy\nexport function f(x: any) { return x; }\n');
    // Imported by a.ts's neighbour, so the compiler itself goes to read them.
    fs.writeFileSync(
      path.join(repo, 'src', 'b.ts'),
      "import { z } from './zero';\nimport { p } from './pipe';\nexport const y = z + p;\n",
    );
    fs.symlinkSync('/dev/zero', path.join(repo, 'src', 'zero.ts'));
    mkfifo(path.join(repo, 'src', 'pipe.ts'));
    huge(path.join(repo, 'src', 'huge.ts'), 3 * 1024 * 1024 * 1024);
    fs.mkdirSync(path.join(repo, 'tasks'));
    mkfifo(path.join(repo, 'tasks', 'TASK-0001.md'));
    mkfifo(path.join(repo, 'package.json'));
    const started = Date.now();
    const a = analyseRepository(repo, { linters: false });
    expect(a.findings.some((f) => f.file === 'src/a.ts' && f.kind === 'todo')).toBe(true);
    expect(Date.now() - started).toBeLessThan(20_000);
  }, 30_000);
});
