/**
 * The common shape every test runner's results are read into: one entry per test, and the test files
 * that failed as a whole (did not load, did not compile, crashed outside any test). Pure.
 */

export type TestStatus = 'passed' | 'failed' | 'skipped';

export interface TestResult {
  /** The test file (relative to the worktree, `/`-separated), a Go package import path or a Rust test target. */
  file: string;
  /** The test's full name within its file: ancestors joined with " › " (jest, vitest, node, mocha), `Class::test` (pytest), `TestX/sub` (go), `mod::test` (cargo). */
  name: string;
  status: TestStatus;
}

export interface FileError {
  file: string;
  /** The first line of what went wrong, e.g. "SyntaxError: Unexpected token ';'". */
  message: string;
}

export interface TestResults {
  tests: TestResult[];
  fileErrors: FileError[];
}

/** A test's id across runs: `file::name`. A file error's id is the file itself. */
export const testId = (t: { file: string; name: string }): string => `${t.file}::${t.name}`;

/** A test or a whole file to re-run. */
export interface TestRef {
  file: string;
  /** Absent for a whole file (one that failed to load). */
  name?: string;
}

export const refId = (r: TestRef): string => (r.name === undefined ? r.file : testId({ file: r.file, name: r.name }));

/** `file` relative to `cwd` with `/` separators; files outside `cwd` and non-paths stay as they are. */
export function relFile(file: string, cwd: string | undefined): string {
  let f = file.replace(/\\/g, '/');
  if (f.startsWith('file://')) f = decodeURIComponent(f.slice('file://'.length));
  if (cwd) {
    const base = cwd.replace(/\\/g, '/').replace(/\/+$/, '');
    if (f.startsWith(`${base}/`)) f = f.slice(base.length + 1);
  }
  return f.replace(/^\.\//, '');
}

/** The first non-empty line of an error text, without ANSI colours, at most 300 characters. */
export function firstLine(text: string | undefined): string {
  const clean = (text ?? '').replace(/\x1b\[[0-9;]*m/g, '');
  const line = clean
    .split(/\r?\n/)
    .map((l) => l.trim())
    .find((l) => l && !/^[●⎯]+\s*Test suite failed to run$/.test(l) && l !== '● Test suite failed to run');
  return (line ?? '').slice(0, 300);
}

/** Merges duplicate entries (a test reported twice keeps its worst status: failed over passed over skipped). */
export function dedupe(results: TestResults): TestResults {
  const rank: Record<TestStatus, number> = { skipped: 0, passed: 1, failed: 2 };
  const byId = new Map<string, TestResult>();
  for (const t of results.tests) {
    const id = testId(t);
    const seen = byId.get(id);
    if (!seen || rank[t.status] > rank[seen.status]) byId.set(id, t);
  }
  const files = new Map<string, FileError>();
  for (const e of results.fileErrors) if (!files.has(e.file)) files.set(e.file, e);
  return { tests: [...byId.values()], fileErrors: [...files.values()] };
}
