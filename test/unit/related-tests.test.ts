import {
  isTestFile,
  relatedGoPackages,
  relatedTestFiles,
  type RepoFiles,
  reverseImports,
} from '../../activities/test-selection/related-tests';
import {
  goImportPaths,
  jsSpecifiers,
  pythonImports,
  resolveJsImport,
  resolvePythonImport,
} from '../../activities/test-selection/import-graph';

/** A repository held in memory: path → content. */
function repo(files: Record<string, string>): RepoFiles {
  return { files: Object.keys(files), read: (f) => files[f] };
}

describe('jsSpecifiers', () => {
  it('finds import, export … from, import() and require(), across lines, and nothing else', () => {
    const source = [
      "import a from './a';",
      "import { b,\n  c as d } from '../b.js';",
      "import type { T } from './types';",
      "import './side-effect';",
      "export * from './all';",
      "export { x } from './x';",
      "const lazy = await import('./lazy');",
      "const r = require('./r');",
      "import fs from 'node:fs';",
      "const notAnImport = 'from ./nowhere';",
    ].join('\n');
    expect(jsSpecifiers(source).sort()).toEqual(
      ['../b.js', './a', './all', './lazy', './r', './side-effect', './types', './x', 'node:fs'].sort(),
    );
  });
});

describe('resolveJsImport', () => {
  const files = new Set(['src/a.ts', 'src/b.tsx', 'src/lib/index.js', 'src/data.json', 'src/m.mts', 'src/plain.js']);
  const exists = (f: string) => files.has(f);

  it('adds extensions, finds index files, and maps .js to the TypeScript file', () => {
    expect(resolveJsImport('test/a.test.ts', '../src/a', exists)).toBe('src/a.ts');
    expect(resolveJsImport('test/a.test.ts', '../src/a.js', exists)).toBe('src/a.ts');
    expect(resolveJsImport('src/x.ts', './b.js', exists)).toBe('src/b.tsx');
    expect(resolveJsImport('src/x.ts', './m.mjs', exists)).toBe('src/m.mts');
    expect(resolveJsImport('src/x.ts', './lib', exists)).toBe('src/lib/index.js');
    expect(resolveJsImport('src/x.ts', './lib/', exists)).toBe('src/lib/index.js');
    expect(resolveJsImport('src/x.ts', './data.json', exists)).toBe('src/data.json');
    expect(resolveJsImport('src/x.ts', './plain.js', exists)).toBe('src/plain.js');
  });

  it('ignores packages, missing files and paths outside the repository', () => {
    expect(resolveJsImport('src/x.ts', 'lodash', exists)).toBeUndefined();
    expect(resolveJsImport('src/x.ts', '@scope/pkg/a', exists)).toBeUndefined();
    expect(resolveJsImport('src/x.ts', './missing', exists)).toBeUndefined();
    expect(resolveJsImport('src/x.ts', '../../outside', exists)).toBeUndefined();
  });
});

describe('relatedTestFiles (JavaScript/TypeScript)', () => {
  const files = repo({
    'src/math.ts': 'export const add = (a: number, b: number) => a + b;\n',
    'src/stats.ts': "import { add } from './math.js';\nexport const sum = (xs: number[]) => xs.reduce(add, 0);\n",
    'src/index.ts': "export * from './stats';\n",
    'src/text/index.ts': 'export const upper = (s: string) => s.toUpperCase();\n',
    'src/lonely.ts': 'export const x = 1;\n',
    'test/stats.test.ts': "import { sum } from '../src/stats';\n",
    'test/api.test.ts': "import * as api from '../src';\n",
    'test/text.spec.ts': "import { upper } from '../src/text';\n",
    'test/helpers/fixture.ts': 'export const numbers = [1, 2];\n',
    'test/uses-fixture.test.ts': "import { numbers } from './helpers/fixture';\n",
    'README.md': 'import x from "./src/math"',
  });

  it('follows imports transitively, through re-exports and index files', () => {
    expect(relatedTestFiles(files, ['src/math.ts'])).toEqual(['test/api.test.ts', 'test/stats.test.ts']);
    expect(relatedTestFiles(files, ['src/text/index.ts'])).toEqual(['test/text.spec.ts']);
  });

  it('counts a changed test file, and the tests that import a changed helper', () => {
    expect(relatedTestFiles(files, ['test/text.spec.ts'])).toEqual(['test/text.spec.ts']);
    expect(relatedTestFiles(files, ['test/helpers/fixture.ts'])).toEqual([
      'test/helpers/fixture.ts',
      'test/uses-fixture.test.ts',
    ]);
  });

  it('finds nothing for a file no test imports, a new file, or a non-code file', () => {
    expect(relatedTestFiles(files, ['src/lonely.ts'])).toEqual([]);
    expect(relatedTestFiles(files, ['src/brand-new.ts'])).toEqual([]);
    expect(relatedTestFiles(files, ['README.md'])).toEqual([]);
  });

  it('still finds the importers of a deleted file (listed, but no longer readable)', () => {
    const gone: RepoFiles = { files: files.files, read: (f) => (f === 'src/math.ts' ? undefined : files.read(f)) };
    expect(relatedTestFiles(gone, ['src/math.ts'])).toEqual(['test/api.test.ts', 'test/stats.test.ts']);
  });

  it('survives import cycles', () => {
    const cyclic = repo({
      'src/a.js': "require('./b');\n",
      'src/b.js': "require('./a');\n",
      'test/a.test.js': "require('../src/a');\n",
    });
    expect(relatedTestFiles(cyclic, ['src/b.js'])).toEqual(['test/a.test.js']);
  });

  it('reads each file once to build the reverse graph', () => {
    const read = jest.fn(files.read);
    const importers = reverseImports({ files: files.files, read });
    expect(read).toHaveBeenCalledTimes(files.files.filter((f) => f.endsWith('.ts')).length);
    expect(importers.get('src/math.ts')).toEqual(['src/stats.ts']);
  });
});

describe('isTestFile', () => {
  it('knows the usual conventions', () => {
    for (const f of [
      'a.test.ts',
      'src/a.spec.js',
      'test/x.js',
      'pkg/tests/y.py',
      'src/__tests__/z.tsx',
      'test_a.py',
      'pkg/a_test.py',
      'pkg/a_test.go',
    ])
      expect(isTestFile(f)).toBe(true);
    for (const f of ['src/a.ts', 'src/testing.ts', 'contest/a.js', 'src/latest.js']) expect(isTestFile(f)).toBe(false);
  });
});

describe('Python imports', () => {
  it('parses import, from … import (with parentheses) and relative imports', () => {
    const source =
      'import os, pkg.util as u\nfrom pkg import (\n    models,\n    views as v,\n)\nfrom . import sibling\nfrom ..core.base import Base  # comment\n';
    expect(pythonImports(source)).toEqual([
      { level: 0, module: 'os', names: [] },
      { level: 0, module: 'pkg.util', names: [] },
      { level: 0, module: 'pkg', names: ['models', 'views'] },
      { level: 1, module: '', names: ['sibling'] },
      { level: 2, module: 'core.base', names: ['Base'] },
    ]);
  });

  it('resolves modules, packages, submodules, relative imports and src/ layouts', () => {
    const files = new Set([
      'pkg/__init__.py',
      'pkg/models.py',
      'pkg/sub/a.py',
      'pkg/sub/b.py',
      'src/lib/core.py',
      'tests/helpers.py',
    ]);
    const exists = (f: string) => files.has(f);
    expect(
      resolvePythonImport('tests/test_m.py', { level: 0, module: 'pkg', names: ['models'] }, exists).sort(),
    ).toEqual(['pkg/__init__.py', 'pkg/models.py']);
    expect(resolvePythonImport('pkg/sub/a.py', { level: 1, module: 'b', names: [] }, exists)).toEqual(['pkg/sub/b.py']);
    expect(resolvePythonImport('pkg/sub/a.py', { level: 2, module: '', names: ['models'] }, exists).sort()).toEqual([
      'pkg/__init__.py',
      'pkg/models.py',
    ]);
    expect(resolvePythonImport('tests/test_c.py', { level: 0, module: 'lib.core', names: [] }, exists)).toEqual([
      'src/lib/core.py',
    ]);
    expect(resolvePythonImport('tests/test_c.py', { level: 0, module: 'helpers', names: [] }, exists)).toEqual([
      'tests/helpers.py',
    ]);
    expect(resolvePythonImport('tests/test_c.py', { level: 0, module: 'requests', names: [] }, exists)).toEqual([]);
  });

  it('relates the test files that import a changed module, transitively', () => {
    const files = repo({
      'app/__init__.py': '',
      'app/db.py': 'x = 1\n',
      'app/service.py': 'from app.db import x\n',
      'app/other.py': 'y = 2\n',
      'tests/test_service.py': 'from app import service\n',
      'tests/test_other.py': 'import app.other\n',
    });
    expect(relatedTestFiles(files, ['app/db.py'])).toEqual(['tests/test_service.py']);
    expect(relatedTestFiles(files, ['app/other.py'])).toEqual(['tests/test_other.py']);
  });
});

describe('Go packages', () => {
  const files = repo({
    'go.mod': 'module example.com/shop\n\ngo 1.22\n',
    'main.go': 'package main\nimport "example.com/shop/cart"\n',
    'cart/cart.go': 'package cart\nimport (\n  "fmt"\n  p "example.com/shop/pricing"\n)\n',
    'cart/cart_test.go': 'package cart\n',
    'pricing/pricing.go': 'package pricing\n',
    'pricing/pricing_test.go': 'package pricing\n',
    'docs/gen.go': 'package docs\n',
  });

  it('reads single and block imports', () => {
    expect(goImportPaths(files.read('cart/cart.go')!)).toEqual(['fmt', 'example.com/shop/pricing']);
  });

  it('gives the changed packages and their importers that have tests', () => {
    expect(relatedGoPackages(files, ['pricing/pricing.go'])).toEqual(['./cart', './pricing']);
    expect(relatedGoPackages(files, ['cart/cart.go'])).toEqual(['./cart']);
    expect(relatedGoPackages(files, ['docs/gen.go'])).toEqual([]);
    expect(relatedGoPackages(repo({ 'a.go': 'package a\n' }), ['a.go'])).toBeUndefined();
  });
});

describe('import parsing over hostile files (issue 11)', () => {
  it.each([
    ['JS: "import " 30,000 times', () => jsSpecifiers('import '.repeat(30_000))],
    ['Python: a 200 KB run of blanks after import', () => pythonImports(`import a${' '.repeat(200_000)}!`)],
    ['Python: a 200 KB line of blanks', () => pythonImports(' '.repeat(200_000) + 'x')],
    ['Python: 200 KB of unclosed "("', () => pythonImports('('.repeat(200_000))],
    ['Python: a 200 KB run of dots after from', () => pythonImports(`from ${'.'.repeat(200_000)} x`)],
  ])('%s parses within 1 s', (_name, run) => {
    const started = Date.now();
    run();
    expect(Date.now() - started).toBeLessThan(1000);
  });
});
