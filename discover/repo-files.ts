import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { NO_REPO_PROGRAMS } from '../activities/git/repo-programs';
import { withoutSecrets } from '../activities/secret-env';

/** Folders never analysed: dependencies, build output, Flotilla's own state and the task backlog. */
const SKIP_DIRS = new Set([
  'node_modules',
  '.git',
  'dist',
  'build',
  'out',
  'coverage',
  '.flotilla',
  '.next',
  '.venv',
  'venv',
  '__pycache__',
  '.tox',
  'tasks',
  'vendor',
]);

export const JS_TS = /\.(?:[cm]?ts|tsx|[cm]?js|jsx)$/;
export const PYTHON = /\.py$/;

/** Repo-relative paths of the repository's files: git's view (tracked and new, not ignored), else a walk. */
export function listRepoFiles(repo: string): string[] {
  let files: string[] | null = null;
  try {
    // As Flotilla's other git commands (activities/git/repo-programs.ts): nothing of the repository's runs, no credential is passed.
    const config = NO_REPO_PROGRAMS.flatMap((c) => ['-c', c]);
    const env = withoutSecrets(
      Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.toUpperCase().startsWith('GIT_'))),
    );
    const out = execFileSync('git', [...config, 'ls-files', '--cached', '--others', '--exclude-standard', '-z'], {
      cwd: repo,
      env,
      encoding: 'utf8',
      maxBuffer: 256 * 1024 * 1024,
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    files = out.split('\0').filter(Boolean);
  } catch {
    files = null;
  }
  if (!files) files = walk(repo);
  return files
    .map((f) => f.replace(/\\/g, '/'))
    .filter(
      (f) =>
        !f
          .split('/')
          .slice(0, -1)
          .some((d) => SKIP_DIRS.has(d)),
    )
    .filter((f) => fs.existsSync(path.join(repo, f)))
    .sort();
}

function walk(root: string, rel = ''): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(path.join(root, rel), { withFileTypes: true })) {
    const p = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) {
      if (!SKIP_DIRS.has(e.name)) out.push(...walk(root, p));
    } else if (e.isFile()) out.push(p);
  }
  return out;
}

/** A test file by its name or folder: *.test.ts, *.spec.js, test/…, __tests__/…, test_x.py, x_test.py. */
export function isTestFile(file: string): boolean {
  const base = file.split('/').pop() ?? file;
  if (/\.(?:test|spec)\.[cm]?[jt]sx?$/.test(base)) return true;
  if (/^test_.*\.py$|_test\.py$/.test(base)) return true;
  return file
    .split('/')
    .slice(0, -1)
    .some((d) => d === 'test' || d === 'tests' || d === '__tests__');
}

/** A source file the analysers look at: JS/TS (not a declaration file) or Python. */
export function isSourceFile(file: string): boolean {
  return (JS_TS.test(file) && !/\.d\.[cm]?ts$/.test(file)) || PYTHON.test(file);
}
