import * as path from 'node:path';
import { RE2JS } from 're2js';

/**
 * Which repository files a source file imports, read statically with regular expressions (no parser, no
 * code run). JavaScript/TypeScript and Python are resolved to files; Go to package folders. Imports that
 * cannot be resolved inside the repository (packages, path aliases, computed paths) are ignored. A false
 * import (say, in a comment) only makes more tests related, never fewer. Pure.
 */

const posix = path.posix;

/** Does `file` exist in the repository? Answered from an index of the file list, never from the disk. */
export type Exists = (file: string) => boolean;

export const JS_SOURCE = /\.(?:[cm]?[jt]s|[jt]sx)$/;

// Run by RE2 (linear time): repository files are untrusted, and the first pattern's lazy `[…]+?` over
// `import import import …` is quadratic in a backtracking engine (200 KB: 6 s of a blocked worker).
const JS_PATTERNS = [
  /\bimport\s+(?:type\s+)?(?:[\w$*{}\s,]+?\s+from\s+)?["']([^"'\n]+)["']/g, // import x from '…', import '…', import { a, b } from '…'
  /\bexport\s+(?:type\s+)?(?:\*(?:\s+as\s+[\w$]+)?|\{[^}]*\})\s*from\s+["']([^"'\n]+)["']/g, // export … from '…'
  /\bimport\s*\(\s*["']([^"'\n]+)["']\s*\)/g, // import('…')
  /\brequire\s*\(\s*["']([^"'\n]+)["']\s*\)/g, // require('…'), import x = require('…')
].map((re) => RE2JS.compile(re.source));

/** The module specifiers a JavaScript or TypeScript file names in imports, re-exports, import() and require(). */
export function jsSpecifiers(source: string): string[] {
  const found = new Set<string>();
  for (const pattern of JS_PATTERNS) for (const m of pattern.matchAll(source)) found.add(m[1]);
  return [...found];
}

const JS_EXTENSIONS = ['.ts', '.tsx', '.js', '.jsx', '.mjs', '.cjs', '.mts', '.cts'];
/** TypeScript's habit: `./x.js` in the source means `./x.ts` (or .tsx) on disk. */
const TS_FOR_JS: Record<string, string[]> = {
  '.js': ['.ts', '.tsx'],
  '.jsx': ['.tsx'],
  '.mjs': ['.mts'],
  '.cjs': ['.cts'],
};

/**
 * The repository file a relative specifier in `from` points to: the exact file, the file with one of the
 * JS/TS extensions, its TypeScript twin for a .js specifier, or the folder's index file. Bare package
 * specifiers (and anything else not starting with `.`) give undefined.
 */
export function resolveJsImport(from: string, specifier: string, exists: Exists): string | undefined {
  if (!/^\.\.?(\/|$)/.test(specifier)) return undefined;
  const base = posix.normalize(posix.join(posix.dirname(from), specifier)).replace(/\/$/, '');
  if (base.startsWith('..')) return undefined;
  const ext = posix.extname(base);
  const candidates = [
    base,
    ...(TS_FOR_JS[ext] ?? []).map((twin) => base.slice(0, -ext.length) + twin),
    ...JS_EXTENSIONS.map((e) => base + e),
    ...JS_EXTENSIONS.map((e) => `${base}/index${e}`),
  ];
  return candidates.find((c) => c !== '' && c !== '.' && exists(c));
}

/** One Python import: `level` leading dots (0 for absolute), the dotted module, and the names imported from it. */
export interface PythonImport {
  level: number;
  module: string;
  names: string[];
}

/**
 * `(…)` replaced by its text with each run of blanks holding a line break made one space (imports that span
 * lines), as `source.replace(/\(([^)]*)\)/g, …)` would, but in linear time: that regex rescans the rest of the
 * file from every "(" that is never closed.
 */
function joinParentheses(source: string): string {
  let out = '';
  let at = 0;
  for (;;) {
    const open = source.indexOf('(', at);
    if (open < 0) break;
    const close = source.indexOf(')', open + 1);
    if (close < 0) break;
    out +=
      source.slice(at, open) + source.slice(open + 1, close).replace(/\s+/g, (ws) => (ws.includes('\n') ? ' ' : ws));
    at = close + 1;
  }
  return out + source.slice(at);
}

/** The imports of a Python file: `import a.b, c as d`, `from a.b import x, y`, `from . import x`, `from ..m import (x, y)`. */
export function pythonImports(source: string): PythonImport[] {
  const joined = joinParentheses(source);
  const imports: PythonImport[] = [];
  for (const line of joined.split('\n')) {
    // Written so that no two quantifiers can share characters: linear on any line.
    const from = /^\s*from\s+(\.*)(\w[\w.]*)?\s+import\s+([^#]+)/.exec(line);
    if (from) {
      const names = from[3]
        .split(',')
        .map((n) =>
          n
            .trim()
            .split(/\s+as\s+/)[0]
            .trim(),
        )
        .filter((n) => /^\w+$/.test(n));
      imports.push({ level: from[1].length, module: from[2] ?? '', names });
      continue;
    }
    const plain = /^\s*import\s([^#]*)/.exec(line.replace(/(?<!\s)\s+as\s+\w+/g, ''));
    if (plain && /^[\w.\s,]*$/.test(plain[1]))
      for (const m of plain[1].split(',')) if (m.trim()) imports.push({ level: 0, module: m.trim(), names: [] });
  }
  return imports;
}

/** The files a dotted module name can be, under one folder: `a/b.py` or `a/b/__init__.py`. */
function pythonModuleFiles(dir: string, dotted: string, exists: Exists): string[] {
  const rel = dotted.split('.').filter(Boolean).join('/');
  const base = rel ? (dir ? `${dir}/${rel}` : rel) : dir;
  return [`${base}.py`, `${base ? `${base}/` : ''}__init__.py`].filter(
    (f) => !f.startsWith('/') && !f.startsWith('.py') && exists(f),
  );
}

/**
 * The repository files a Python import in `from` refers to. Relative imports resolve from the file's
 * package; absolute ones from the repository root, from `src/`, and from the file's own folder (where
 * pytest puts test files' folders on sys.path). `from a import b` also finds the submodule `a/b.py`.
 */
export function resolvePythonImport(from: string, imp: PythonImport, exists: Exists): string[] {
  const dir = posix.dirname(from) === '.' ? '' : posix.dirname(from);
  let roots: string[];
  if (imp.level > 0) {
    const up = dir
      .split('/')
      .filter(Boolean)
      .slice(0, Math.max(0, dir.split('/').filter(Boolean).length - (imp.level - 1)));
    roots = [up.join('/')];
  } else {
    roots = [...new Set(['', 'src', dir])];
  }
  const found = new Set<string>();
  for (const root of roots) {
    for (const f of pythonModuleFiles(root, imp.module, exists)) found.add(f);
    for (const name of imp.names)
      for (const f of pythonModuleFiles(root, imp.module ? `${imp.module}.${name}` : name, exists)) found.add(f);
  }
  found.delete(from);
  return [...found];
}

/** The module path a go.mod declares, or undefined. */
export function goModulePath(goMod: string): string | undefined {
  return /^\s*module\s+("?)([^\s"]+)\1\s*$/m.exec(goMod)?.[2];
}

/** The import paths of a Go file: single imports and import blocks, aliased or not. */
export function goImportPaths(source: string): string[] {
  const paths: string[] = [];
  for (const m of source.matchAll(/^\s*import\s+(?:[\w.]+\s+)?"([^"]+)"/gm)) paths.push(m[1]);
  for (const block of source.matchAll(/^\s*import\s*\(([^)]*)\)/gm)) {
    for (const m of block[1].matchAll(/^\s*(?:[\w.]+\s+)?"([^"]+)"/gm)) paths.push(m[1]);
  }
  return paths;
}

/** The repository folder ('' for the root) of a Go import path inside module `modulePath`, or undefined for other modules. */
export function goPackageDir(importPath: string, modulePath: string): string | undefined {
  if (importPath === modulePath) return '';
  return importPath.startsWith(`${modulePath}/`) ? importPath.slice(modulePath.length + 1) : undefined;
}
