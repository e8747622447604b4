import * as fs from 'node:fs';
import * as path from 'node:path';
import { readPackageJson } from '../activities/package-json';
import { readTextSafeSync } from '../activities/safe-read';
import { isTestFile, JS_TS, PYTHON } from './repo-files';

/** For each file, the files that import it directly (a static scan of import/require/export-from and Python imports). */
export type ImportGraph = Map<string, Set<string>>;

const JS_SPECIFIERS = [
  /\bimport\s+(?:type\s+)?[^'"`;]*?\bfrom\s*['"]([^'"]+)['"]/g,
  /\bimport\s*['"]([^'"]+)['"]/g,
  /\bexport\s+(?:type\s+)?[^'"`;]*?\bfrom\s*['"]([^'"]+)['"]/g,
  /\brequire\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
  /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
];
const JS_EXTENSIONS = ['.ts', '.tsx', '.mts', '.cts', '.js', '.jsx', '.mjs', '.cjs'];

/** The module specifiers a JS/TS source imports. */
export function jsSpecifiers(text: string): string[] {
  const out = new Set<string>();
  for (const re of JS_SPECIFIERS) for (const m of text.matchAll(re)) out.add(m[1]);
  return [...out];
}

/** Resolves a relative JS/TS specifier to a file of the repository (with or without extension, .js for .ts, index files). */
export function resolveJs(from: string, spec: string, files: ReadonlySet<string>): string | null {
  if (!spec.startsWith('.')) return null;
  const base = path.posix.normalize(path.posix.join(path.posix.dirname(from), spec));
  const stem = base.replace(/\.[cm]?[jt]sx?$/, '');
  const candidates = [base, ...JS_EXTENSIONS.map((e) => stem + e), ...JS_EXTENSIONS.map((e) => `${base}/index${e}`)];
  return candidates.find((c) => files.has(c)) ?? null;
}

/** The modules a Python source imports, as repo-relative candidates (absolute from the root or src/, and relative). */
export function resolvePython(from: string, text: string, files: ReadonlySet<string>): string[] {
  const out = new Set<string>();
  const tryModule = (dotted: string, dir: string) => {
    const rel = dotted.replace(/\./g, '/');
    for (const root of dir === '' ? ['', 'src/'] : [dir]) {
      for (const c of [`${root}${rel}.py`, `${root}${rel}/__init__.py`]) if (files.has(c)) out.add(c);
    }
  };
  for (const m of text.matchAll(/^\s*from\s+(\.*)([\w.]*)\s+import\s+([\w*, ()]+)/gm)) {
    const dots = m[1].length;
    let dir = '';
    if (dots) {
      const parts = path.posix
        .dirname(from)
        .split('/')
        .filter((p) => p !== '.');
      dir = parts.slice(0, Math.max(0, parts.length - (dots - 1))).join('/');
      if (dir) dir += '/';
    }
    if (m[2]) tryModule(m[2], dir);
    // `from pkg import mod`: the names may be modules too.
    for (const name of m[3]
      .replace(/[()]/g, '')
      .split(',')
      .map((s) => s.trim().split(/\s+/)[0])
      .filter((s) => /^\w+$/.test(s))) {
      tryModule(m[2] ? `${m[2]}.${name}` : name, dir);
    }
  }
  for (const m of text.matchAll(/^\s*import\s+([\w., ]+)/gm)) {
    for (const name of m[1].split(',').map((s) => s.trim().split(/\s+/)[0])) if (name) tryModule(name, '');
  }
  return [...out];
}

/** Builds the import graph of the repository's JS/TS and Python files. */
export function buildImportGraph(repo: string, files: string[]): ImportGraph {
  const set = new Set(files);
  const graph: ImportGraph = new Map();
  const add = (target: string, importer: string) => {
    if (target === importer) return;
    if (!graph.has(target)) graph.set(target, new Set());
    graph.get(target)!.add(importer);
  };
  for (const f of files) {
    if (!JS_TS.test(f) && !PYTHON.test(f)) continue;
    let text: string;
    try {
      text = readTextSafeSync(path.join(repo, f));
    } catch {
      continue;
    }
    if (PYTHON.test(f)) {
      for (const t of resolvePython(f, text, set)) add(t, f);
    } else {
      for (const spec of jsSpecifiers(text)) {
        const t = resolveJs(f, spec, set);
        if (t) add(t, f);
      }
    }
  }
  return graph;
}

/** The files importing `file` directly. */
export function importersOf(graph: ImportGraph, file: string): string[] {
  return [...(graph.get(file) ?? [])].sort();
}

/** The test files that import `file` directly (or are its own test file by name, e.g. test/parser.test.ts for src/parser.ts). */
export function relatedTests(graph: ImportGraph, file: string, allFiles: string[]): string[] {
  const direct = importersOf(graph, file).filter(isTestFile);
  if (direct.length || isTestFile(file)) return isTestFile(file) ? [file] : direct;
  const stem = (file.split('/').pop() ?? file).replace(/\.[^.]+$/, '');
  return allFiles
    .filter(
      (f) =>
        isTestFile(f) &&
        new RegExp(`^(?:test_)?${stem.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?:[._](?:test|spec))?\\.[^/]+$`).test(
          f.split('/').pop() ?? '',
        ),
    )
    .sort();
}

const quote = (f: string) => (/^[\w./@+-]+$/.test(f) ? f : `'${f.replace(/'/g, `'\\''`)}'`);

/**
 * How to run just these test files, from the repository's own test runner: jest, vitest, mocha and
 * `node --test` scripts in package.json (their file patterns replaced by the files), or pytest.
 * Null when the runner is unknown.
 */
export function testCommandFor(repo: string, testFiles: string[]): string | null {
  if (!testFiles.length) return null;
  const list = testFiles.map(quote).join(' ');
  if (testFiles.every((f) => PYTHON.test(f))) {
    const has = (f: string) => fs.existsSync(path.join(repo, f));
    return has('pyproject.toml') || has('pytest.ini') || has('setup.cfg') || has('conftest.py') || has('tox.ini')
      ? `python3 -m pytest -q ${list}`
      : null;
  }
  const pkg = readPackageJson(repo);
  if (!pkg) return null;
  const script = (pkg.scripts as Record<string, unknown> | undefined)?.test;
  if (typeof script !== 'string' || !script.trim() || /&&|\|\||;/.test(script)) return null;
  const words = script.trim().split(/\s+/);
  if (words[0] === 'jest' || (words[0] === 'npx' && words[1] === 'jest')) return `npx jest ${list}`;
  if (words[0] === 'vitest' || (words[0] === 'npx' && words[1] === 'vitest')) return `npx vitest run ${list}`;
  if (words[0] === 'node' && words.includes('--test')) return replacePatterns(words, list);
  if (words[0] === 'mocha' || (words[0] === 'npx' && words[1] === 'mocha'))
    return replacePatterns(words[0] === 'npx' ? words : ['npx', ...words], list);
  return null;
}

/** The script with its file/glob arguments (the words after the options that look like paths) replaced by the list. */
function replacePatterns(words: string[], list: string): string {
  const isPattern = (w: string, i: number) =>
    !w.startsWith('-') &&
    i > 0 &&
    /[*/]|\.[cm]?[jt]sx?$/.test(w) &&
    !/^(?:tsx|ts-node\/register|tsx\/cjs|tsx\/esm)$/.test(w) &&
    words[i - 1] !== '--import' &&
    words[i - 1] !== '--require' &&
    words[i - 1] !== '-r' &&
    words[i - 1] !== '--loader';
  const kept = words.filter((w, i) => !isPattern(w, i) || w === 'npx');
  return `${kept.join(' ')} ${list}`;
}
