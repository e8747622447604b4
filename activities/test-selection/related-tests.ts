import * as path from 'node:path';
import {
  goImportPaths,
  goModulePath,
  goPackageDir,
  JS_SOURCE,
  jsSpecifiers,
  pythonImports,
  resolveJsImport,
  resolvePythonImport,
} from './import-graph';

/**
 * Which tests a change concerns: the test files that import a changed file, directly or through other
 * files, found on a reverse import graph built once per call (each file's imports resolved through a
 * Set of the repository's files, so the cost grows with the size of the code, never with pairs of
 * files). A changed test file is related to itself. Pure: the caller lists the files and reads them.
 */

/** The repository as the graph sees it: every file (relative, with `/`), and a reader that may fail (undefined). */
export interface RepoFiles {
  files: string[];
  read(file: string): string | undefined;
}

/** Test files by the usual conventions: `*.test.*`, `*.spec.*`, anything under test/, tests/ or __tests__/, `test_*.py`, `*_test.py`, `*_test.go`. */
const TEST_FILE = /(^|\/)(test|tests|__tests__)\/|\.(test|spec)\.[^/]+$|(^|\/)test_[^/]+\.py$|_test\.(py|go)$/;

export function isTestFile(file: string): boolean {
  return TEST_FILE.test(file);
}

/** For each file, the files that import it (JavaScript/TypeScript and Python). */
export function reverseImports(repo: RepoFiles): Map<string, string[]> {
  const known = new Set(repo.files);
  const exists = (f: string) => known.has(f);
  const importers = new Map<string, string[]>();
  const link = (target: string, importer: string) => {
    const list = importers.get(target);
    if (list) list.push(importer);
    else importers.set(target, [importer]);
  };
  for (const file of repo.files) {
    const isJs = JS_SOURCE.test(file);
    if (!isJs && !file.endsWith('.py')) continue;
    const source = repo.read(file);
    if (source === undefined) continue;
    if (isJs) {
      for (const spec of jsSpecifiers(source)) {
        const target = resolveJsImport(file, spec, exists);
        if (target && target !== file) link(target, file);
      }
    } else {
      for (const imp of pythonImports(source))
        for (const target of resolvePythonImport(file, imp, exists)) link(target, file);
    }
  }
  return importers;
}

/** Every node reachable from `start` along `next` (breadth first), `start` included. */
function reachable(start: string[], next: (node: string) => string[] | undefined): Set<string> {
  const seen = new Set(start);
  const queue = [...start];
  while (queue.length) {
    for (const n of next(queue.shift()!) ?? []) {
      if (seen.has(n)) continue;
      seen.add(n);
      queue.push(n);
    }
  }
  return seen;
}

/** The test files that import any of `changed` (transitively), and the changed test files themselves; sorted. */
export function relatedTestFiles(repo: RepoFiles, changed: string[]): string[] {
  const importers = reverseImports(repo);
  return [...reachable(changed, (f) => importers.get(f))].filter(isTestFile).sort();
}

/**
 * Go: the package folders ('.' for the module root, else `./dir`) whose tests concern the change: the
 * folders of changed .go files and every folder of the module that imports one of them, transitively,
 * limited to folders that hold a _test.go file. Undefined when the repository has no go.mod at its root.
 */
export function relatedGoPackages(repo: RepoFiles, changed: string[]): string[] | undefined {
  const modulePath = goModulePath(repo.read('go.mod') ?? '');
  if (!modulePath) return undefined;
  const dirOf = (f: string) => (path.posix.dirname(f) === '.' ? '' : path.posix.dirname(f));
  const importers = new Map<string, Set<string>>();
  const testedDirs = new Set<string>();
  for (const file of repo.files) {
    if (!file.endsWith('.go') || file.startsWith('vendor/')) continue;
    if (file.endsWith('_test.go')) testedDirs.add(dirOf(file));
    for (const imported of goImportPaths(repo.read(file) ?? '')) {
      const dir = goPackageDir(imported, modulePath);
      if (dir === undefined) continue;
      if (!importers.has(dir)) importers.set(dir, new Set());
      importers.get(dir)!.add(dirOf(file));
    }
  }
  const start = [...new Set(changed.filter((f) => f.endsWith('.go')).map(dirOf))];
  const dirs = reachable(start, (d) => [...(importers.get(d) ?? [])]);
  return [...dirs]
    .filter((d) => testedDirs.has(d))
    .sort()
    .map((d) => (d ? `./${d}` : '.'));
}
