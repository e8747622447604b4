import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { proposeTasksInput, proposeToolOf } from '../../dev/stand-in-propose';
import {
  analyseRepository,
  analyseTypeScript,
  assignIds,
  buildImportGraph,
  checkWithPlanner,
  type Finding,
  groupFindings,
  importersOf,
  keyOf,
  parseEslintJson,
  parseRuffJson,
  readExistingTasks,
  relatedTests,
  renderTaskFile,
  repoFacts,
  riskOf,
  runEslint,
  scanTodos,
  summaryLines,
  type TaskDraft,
  testCommandFor,
} from '../../discover';
import { instructionKey, validateProposal } from '../../discover/instruction';
import { parseTaskFile } from '../../planner';
import { bwrapAvailability } from '../../activities/sandbox';

function fixture(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-discover-'));
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), text);
  }
  return dir;
}

const LIB = [
  "import { readFileSync } from 'node:fs';", // 1: unused import
  "import { helper } from './helper';", // 2: unused import
  '/** Documented, typed. */',
  'export function documented(a: number): number {',
  '  return a;',
  '}',
  'export function undocumented(x: any) {', // 7: docs, any (exported), no return type
  '  const unused = 1;', // 8: unused local
  '  return x;',
  '}',
  'export const arrow = (s: string) => s.length;', // 11: docs, no return type
  'export interface Shape {', // 12: docs
  '  n: number;',
  '}',
  '// TODO: make this faster', // 15
  '/* FIXME(bob): wrong for negatives */', // 16
  'function local(p: number, q: number): number {', // 17: q unused
  '  const inner: any = p;', // 18: any, not exported
  '  return inner;',
  '}',
  'export { local };',
  '',
].join('\n');

const FILES: Record<string, string> = {
  'package.json': JSON.stringify({ name: 'fx', scripts: { test: 'jest' } }),
  'tsconfig.json': '{}',
  'src/lib.ts': LIB,
  'src/helper.ts': '/** One. */\nexport function helper(): number {\n  return 1;\n}\n',
  'test/lib.test.ts':
    "import { documented } from '../src/lib';\n// TODO: test more\ntest('x', () => expect(documented(1)).toBe(1));\n",
};

const at = (fs: Finding[], kind: string, file = 'src/lib.ts') =>
  fs
    .filter((f) => f.kind === kind && f.file === file)
    .map((f) => `${f.line} ${f.message}${f.exported ? ' [exported]' : ''}`);

describe('discover analysers', () => {
  const repo = fixture(FILES);
  const files = Object.keys(FILES).sort();
  const findings = [...analyseTypeScript(repo, files), ...scanTodos(repo, files)];

  it('finds exported declarations without doc comments', () => {
    expect(at(findings, 'docs')).toEqual([
      '7 function `undocumented` has no doc comment [exported]',
      '11 const `arrow` has no doc comment [exported]',
      '12 interface `Shape` has no doc comment [exported]',
    ]);
    expect(at(findings, 'docs', 'src/helper.ts')).toEqual([]);
  });

  it('finds explicit any (exported or not) and exported functions without return types', () => {
    expect(at(findings, 'types')).toEqual([
      '7 explicit `any` in parameter `x` of function `undocumented` [exported]',
      '7 exported function `undocumented` has no return type [exported]',
      '11 exported function `arrow` has no return type [exported]',
      '18 explicit `any` in variable `inner` of function `local`',
    ]);
  });

  it('reads unused imports, locals and parameters from the compiler diagnostics, tests included', () => {
    const dead = findings.filter((f) => f.kind === 'dead-code');
    expect(dead.map((f) => `${f.file}:${f.line} ${f.rule}`).sort()).toEqual([
      'src/lib.ts:1 ts6133',
      'src/lib.ts:17 ts6133',
      'src/lib.ts:2 ts6133',
      'src/lib.ts:8 ts6133',
    ]);
    expect(dead.find((f) => f.line === 8)?.message).toMatch(/'unused' is declared but its value is never read/);
  });

  it('reports a whole unused import declaration once (6192) and skips docs/types in test files', () => {
    const r = fixture({
      'a.ts': "import { x, y } from './b';\nexport const z = 1;\n",
      'b.ts': '/** x */ export const x = 1;\n/** y */ export const y = 2;\n',
      'test/a.test.ts': 'export const q: any = 1;\n',
    });
    const f = analyseTypeScript(r, ['a.ts', 'b.ts', 'test/a.test.ts']);
    expect(f.filter((x) => x.kind === 'dead-code').map((x) => `${x.file}:${x.line} ${x.rule}`)).toEqual([
      'a.ts:1 ts6192',
    ]);
    expect(f.filter((x) => x.file === 'test/a.test.ts')).toEqual([]);
  });

  it('finds TODO and FIXME comments with their note, in JS/TS and Python', () => {
    expect(at(findings, 'todo')).toEqual(['15 TODO: make this faster']);
    expect(at(findings, 'fixme')).toEqual(['16 FIXME: wrong for negatives']);
    expect(at(findings, 'todo', 'test/lib.test.ts')).toEqual(['2 TODO: test more']);
    const tricky = fixture({
      'a.ts': [
        "const s = '// TODO: not a comment';", // 1
        'const t = `/* FIXME: nor this */ ${s}`;', // 2
        '/** TODO and FIXME comments are prose here. */', // 3
        '/**', // 4
        ' * Reads.', // 5
        ' * TODO(ann): cache it', // 6
        ' */', // 7
        'export function f(): string {', // 8
        '  return s + t;', // 9
        '  // FIXME - unreachable', // 10
        '}', // 11
        '',
      ].join('\n'),
    });
    expect(scanTodos(tricky, ['a.ts']).map((f) => `${f.kind} ${f.line} ${f.message}`)).toEqual([
      'todo 6 TODO: cache it',
      'fixme 10 FIXME: unreachable',
    ]);
    const py = fixture({ 'm.py': 'x = "TODO not a comment"\n# FIXME: off by one\n' });
    expect(scanTodos(py, ['m.py']).map((f) => `${f.kind} ${f.line} ${f.message}`)).toEqual([
      'fixme 2 FIXME: off by one',
    ]);
  });

  it('computes importers and related tests with a static import scan (JS/TS and Python)', () => {
    const graph = buildImportGraph(repo, files);
    expect(importersOf(graph, 'src/lib.ts')).toEqual(['test/lib.test.ts']);
    expect(importersOf(graph, 'src/helper.ts')).toEqual(['src/lib.ts']);
    expect(relatedTests(graph, 'src/lib.ts', files)).toEqual(['test/lib.test.ts']);
    const py = fixture({
      'pkg/__init__.py': '',
      'pkg/mod.py': 'def f():\n    return 1\n',
      'pkg/other.py': 'from .mod import f\n',
      'tests/test_mod.py': 'from pkg.mod import f\n',
      'pyproject.toml': '',
    });
    const pyFiles = ['pkg/__init__.py', 'pkg/mod.py', 'pkg/other.py', 'pyproject.toml', 'tests/test_mod.py'];
    const g = buildImportGraph(py, pyFiles);
    expect(importersOf(g, 'pkg/mod.py')).toEqual(['pkg/other.py', 'tests/test_mod.py']);
    expect(testCommandFor(py, relatedTests(g, 'pkg/mod.py', pyFiles))).toBe('python3 -m pytest -q tests/test_mod.py');
  });

  it('finds a test by its name when no test imports the file', () => {
    const graph = buildImportGraph(repo, []);
    expect(relatedTests(graph, 'src/lib.ts', ['src/lib.ts', 'test/lib.test.ts', 'test/other.test.ts'])).toEqual([
      'test/lib.test.ts',
    ]);
  });

  it("derives the test command from the repository's own runner", () => {
    const script = (test: string) => fixture({ 'package.json': JSON.stringify({ scripts: { test } }) });
    expect(testCommandFor(script('node --import tsx --test test/*.test.ts'), ['test/a.test.ts'])).toBe(
      'node --import tsx --test test/a.test.ts',
    );
    expect(testCommandFor(script('node --test test/'), ['test/a.test.js', 'test/b c.test.js'])).toBe(
      "node --test test/a.test.js 'test/b c.test.js'",
    );
    expect(testCommandFor(script('jest --ci'), ['t/a.test.ts'])).toBe('npx jest t/a.test.ts');
    expect(testCommandFor(script('vitest'), ['t/a.test.ts'])).toBe('npx vitest run t/a.test.ts');
    expect(testCommandFor(script('make test'), ['t/a.test.ts'])).toBeNull();
    expect(testCommandFor(script('jest'), [])).toBeNull();
  });
});

describe('grouping, risk and keys', () => {
  const repo = fixture(FILES);
  const files = Object.keys(FILES).sort();
  const facts = repoFacts(repo, files);
  const drafts = groupFindings([...analyseTypeScript(repo, files), ...scanTodos(repo, files)], facts);

  it('makes one draft per file and kind with a stable key, in a stable order', () => {
    expect(drafts.map((d) => d.key)).toEqual([
      'dead-code:src/lib.ts',
      'types:src/lib.ts',
      'fixme:src/lib.ts',
      'todo:src/lib.ts',
      'todo:test/lib.test.ts',
      'docs:src/lib.ts',
    ]);
    expect(keyOf('docs', 'src/parser.ts')).toBe('docs:src/parser.ts');
    const again = groupFindings([...analyseTypeScript(repo, files), ...scanTodos(repo, files)].reverse(), facts);
    expect(again).toEqual(drafts);
  });

  it('writes a description with what, where (lines) and how to check, and the related tests', () => {
    const docs = drafts.find((d) => d.key === 'docs:src/lib.ts')!;
    expect(docs).toMatchObject({
      category: 'docs',
      risk: 'low',
      files: ['src/lib.ts'],
      tests: 'npx jest test/lib.test.ts',
      title: 'Add doc comments to the exported API of src/lib.ts',
    });
    expect(docs.description).toContain('- line 7: function `undocumented` has no doc comment');
    expect(docs.description).toContain('How to check:');
    const types = drafts.find((d) => d.key === 'types:src/lib.ts')!;
    expect(types.risk).toBe('medium'); // exported API
    expect(drafts.find((d) => d.key === 'dead-code:src/lib.ts')!.description).toContain(
      'npx tsc --noEmit --noUnusedLocals --noUnusedParameters',
    );
    expect(drafts.find((d) => d.key === 'todo:test/lib.test.ts')!.tests).toBe('npx jest test/lib.test.ts');
  });

  it('raises risk with the blast radius: exported API, many importers, behaviour changes', () => {
    const f = (exported: boolean): Finding => ({ kind: 'types', file: 'a.ts', line: 1, message: 'm', exported });
    expect(riskOf('types', [f(false)], 0).risk).toBe('low');
    expect(riskOf('types', [f(true)], 1).risk).toBe('medium');
    expect(riskOf('types', [f(false)], 5).risk).toBe('medium');
    expect(riskOf('types', [f(true)], 7)).toEqual({ risk: 'high', reason: 'touches the exported API; 7 importers' });
    expect(riskOf('todo', [{ ...f(true), kind: 'todo' }], 9).risk).toBe('high');
    expect(riskOf('docs', [{ ...f(true), kind: 'docs' }], 9).risk).toBe('low');
  });
});

const draft = (key: string, over: Partial<TaskDraft> = {}): TaskDraft => ({
  key,
  title: `Fix ${key}: now`,
  category: key.split(':')[0],
  risk: 'low',
  riskReason: 'r',
  files: [key.split(':')[1]],
  description: `Do ${key}.`,
  ...over,
});

describe('task files: ids, keys, rendering and the planner', () => {
  it('renders a file the planner parses, with the discover key in the front matter', () => {
    const text = renderTaskFile('TASK-0042', draft('docs:src/a b.ts', { tests: 'npx jest "t/a.test.ts"' }));
    expect(text).toContain('discover-key: docs:src/a b.ts');
    const r = parseTaskFile({ path: 'tasks/TASK-0042.md', text });
    expect(r.ok && r.task).toMatchObject({
      id: 'TASK-0042',
      title: 'Fix docs:src/a b.ts: now',
      category: 'docs',
      risk: 'low',
      files: ['src/a b.ts'],
      tests: 'npx jest "t/a.test.ts"',
      description: 'Do docs:src/a b.ts.',
    });
  });

  it('continues after the highest TASK number (archive included) and skips keys already present', () => {
    const repo = fixture({
      'tasks/TASK-0007.md': renderTaskFile('TASK-0007', draft('docs:a.ts')),
      'tasks/archive/TASK-0012.md': renderTaskFile('TASK-0012', draft('types:a.ts')),
      'tasks/notes.md': 'not a task\n',
      'tasks/README.md': '# readme\n',
    });
    const existing = readExistingTasks(repo);
    expect([...existing.keys].sort()).toEqual(['docs:a.ts', 'types:a.ts']);
    expect(existing.maxNumber).toBe(12);
    const drafts = [
      draft('docs:a.ts'),
      draft('types:a.ts'),
      draft('dead-code:a.ts'),
      draft('docs:b.ts'),
      draft('lint:c.ts', { category: 'lint' }),
    ];
    const r = assignIds(drafts, existing);
    expect(r.files.map((f) => `${f.id} ${f.draft.key} ${f.path}`)).toEqual([
      'TASK-0013 dead-code:a.ts tasks/TASK-0013.md',
      'TASK-0014 docs:b.ts tasks/TASK-0014.md',
      'TASK-0015 lint:c.ts tasks/TASK-0015.md',
    ]);
    expect(r.skippedExisting.map((d) => d.key)).toEqual(['docs:a.ts', 'types:a.ts']);
    const limited = assignIds(drafts, existing, { max: 1, categories: ['docs', 'lint'] });
    expect(limited.files.map((f) => `${f.id} ${f.draft.key}`)).toEqual(['TASK-0013 docs:b.ts']);
    expect(limited.skippedByLimit.map((d) => d.key)).toEqual(['lint:c.ts']);
    // The same key twice in one batch of drafts is written once.
    expect(assignIds([draft('docs:z.ts'), draft('docs:z.ts')], existing).files).toHaveLength(1);
  });

  it('checks the new files with the planner together with the existing ones', () => {
    const existing = readExistingTasks(
      fixture({ 'tasks/TASK-0001.md': renderTaskFile('TASK-0001', draft('docs:a.ts')) }),
    );
    const { files } = assignIds([draft('docs:b.ts'), draft('docs:missing.ts')], existing);
    const { problems, plan } = checkWithPlanner('r', existing.files, files, new Set(['a.ts', 'b.ts']));
    // A file that does not exist yet is one the task creates: the planner accepts it.
    expect(problems).toEqual([]);
    expect(Object.keys(plan.tasks).sort()).toEqual(['TASK-0001', 'TASK-0002', 'TASK-0003']);
    expect(plan.tasks['TASK-0003'].creates).toEqual(['missing.ts']);
  });

  it('summarises by category and risk and names the next command', () => {
    const existing = readExistingTasks(fixture({}));
    const { files } = assignIds(
      [draft('docs:a.ts'), draft('types:b.ts', { risk: 'medium' }), draft('docs:c.ts')],
      existing,
    );
    const lines = summaryLines('/r', { files, skippedExisting: [], skippedByLimit: [], problems: [] }, [
      'ESLint: skipped (no ESLint config in the repository)',
    ]);
    expect(lines.join('\n')).toMatch(/Wrote 3 task file\(s\) \(TASK-0001 … TASK-0003\)/);
    expect(lines.find((l) => l.trim().startsWith('docs'))).toMatch(/docs\s+2\s+0\s+0\s+2/);
    expect(lines.find((l) => l.trim().startsWith('all'))).toMatch(/all\s+2\s+1\s+0\s+3/);
    expect(lines).toContain('Note: ESLint: skipped (no ESLint config in the repository)');
    expect(lines[lines.length - 1]).toMatch(/^Next: flotilla plan --repo \/r/);
  });
});

describe("the repository's linters", () => {
  it('reads ESLint and ruff JSON output into lint findings', () => {
    const eslint = JSON.stringify([
      {
        filePath: '/r/src/a.js',
        messages: [
          { ruleId: 'eqeqeq', severity: 2, message: "Expected '===' and instead saw '=='.", line: 3 },
          { ruleId: null, severity: 1, message: 'File ignored', line: 0 },
        ],
      },
      { filePath: '/elsewhere/b.js', messages: [{ ruleId: 'x', severity: 2, message: 'm', line: 1 }] },
    ]);
    expect(parseEslintJson('/r', eslint)).toEqual([
      {
        kind: 'lint',
        file: 'src/a.js',
        line: 3,
        message: "Expected '===' and instead saw '=='. (eqeqeq)",
        rule: 'eslint:eqeqeq',
      },
    ]);
    const ruff = JSON.stringify([
      { code: 'F401', message: '`os` imported but unused', filename: '/r/pkg/m.py', location: { row: 1, column: 8 } },
    ]);
    expect(parseRuffJson('/r', ruff)).toEqual([
      { kind: 'lint', file: 'pkg/m.py', line: 1, message: '`os` imported but unused (F401)', rule: 'ruff:F401' },
    ]);
  });

  it('skips ESLint with a note when the repository has no config or no binary', () => {
    expect(runEslint(fixture({ 'a.js': '' })).notes).toEqual(['ESLint: skipped (no ESLint config in the repository)']);
    expect(runEslint(fixture({ 'eslint.config.js': 'module.exports = [];' })).notes[0]).toMatch(
      /eslint.config.js found, but node_modules\/.bin\/eslint is not installed/,
    );
  });

  // The repository's ESLint runs only in the sandbox (discover-sandbox.test.ts covers a machine without it).
  (bwrapAvailability().ok ? it : it.skip)(
    'runs a configured ESLint (sandboxed) and groups its findings per file',
    () => {
      const repo = fixture({
        'eslint.config.js': 'module.exports = [];',
        'src/a.js': 'var x = 1 == 2;\n',
        'node_modules/.bin/eslint': `#!/bin/sh\necho '[{"filePath":"'"$PWD"'/src/a.js","messages":[{"ruleId":"eqeqeq","severity":2,"message":"Use ===","line":1}]}]'\nexit 1\n`,
      });
      fs.chmodSync(path.join(repo, 'node_modules/.bin/eslint'), 0o755);
      const r = runEslint(repo);
      expect(r.notes).toEqual(['ESLint: 1 finding(s) with eslint.config.js']);
      const a = analyseRepository(repo);
      expect(a.drafts.filter((d) => d.category === 'lint').map((d) => `${d.key} ${d.risk}`)).toEqual([
        'lint:src/a.js low',
      ]);
    },
  );
});

describe('instruction mode: checking the answer, keys, the stand-in split', () => {
  const files = ['src/a.ts', 'src/b.ts', 'src/util/x.ts', 'src/util/y.ts', 'test/a.test.ts', 'README.md'];

  it('accepts known categories and existing (or clearly new) files, and says what is wrong otherwise', () => {
    const r = validateProposal(
      {
        tasks: [
          {
            title: 'TASK-0009: Document a',
            category: 'Docs',
            risk: 'low',
            files: ['./src/a.ts', 'src/new.ts'],
            description: 'Add JSDoc.',
          },
          { title: 'Util', category: 'refactor', risk: 'medium', files: ['src/util'], description: 'Tidy.' },
          {
            title: 'Bad',
            category: 'poetry',
            risk: 'extreme',
            files: ['nowhere/x.ts', '../etc/passwd'],
            description: '',
          },
        ],
      },
      files,
    );
    expect(r.tasks).toEqual([
      {
        title: 'Document a',
        category: 'docs',
        risk: 'low',
        files: ['src/a.ts'],
        newFiles: ['src/new.ts'],
        description: 'Add JSDoc.',
      },
      {
        title: 'Util',
        category: 'refactor',
        risk: 'medium',
        files: ['src/util/x.ts', 'src/util/y.ts'],
        newFiles: [],
        description: 'Tidy.',
      },
    ]);
    expect(r.problems).toEqual([
      'tasks[2].category "poetry" is not one of docs, types, naming, dead-code, refactor, tests, error-handling, lint, todo, performance, security',
      'tasks[2].risk "extreme" is not one of low, medium, high',
      'tasks[2].description is missing',
      'tasks[2].files: "nowhere/x.ts" does not exist and is not a new file in an existing folder',
      'tasks[2].files: "../etc/passwd" is not a path inside the repository',
    ]);
    expect(validateProposal({ tasks: [] }, files).problems).toEqual(['`tasks` must be a non-empty array']);
  });

  it('keys a task by the instruction and its files, whatever the spacing or case of the instruction', () => {
    const t = { files: ['src/b.ts', 'src/a.ts'], newFiles: [], title: 'x' };
    expect(instructionKey('Add JSDoc  to src/', t)).toBe(
      instructionKey('add jsdoc to src/', { ...t, files: ['src/a.ts', 'src/b.ts'] }),
    );
    expect(instructionKey('Add JSDoc to src/', t)).toMatch(/^instruction:[0-9a-f]{10}:src\/a.ts,src\/b.ts$/);
  });

  it('the stand-in splits an instruction by the path it names, one task per file or folder', () => {
    expect(proposeToolOf([{ name: 'str_replace_based_edit_tool' }, { name: 'propose_tasks' }])).toBe('propose_tasks');
    expect(proposeToolOf([{ name: 'other' }])).toBeNull();
    const r = proposeTasksInput('Add JSDoc to every exported function in src/', files);
    expect(r.tasks.map((t) => `${t.category} ${t.risk} ${(t.files as string[]).join(',')}`)).toEqual([
      'docs low src/a.ts',
      'docs low src/b.ts',
      'docs low src/util/x.ts,src/util/y.ts',
    ]);
    expect(r.tasks[0].title).toBe('Add JSDoc to every exported function in src/ (src/a.ts)');
    expect(validateProposal(r, files).problems).toEqual([]);
    expect(
      proposeTasksInput('Replace any with proper types', files).tasks.map(
        (t) => `${t.category} ${(t.files as string[]).join(',')}`,
      ),
    ).toEqual(['types src/a.ts,src/b.ts,src/util/x.ts,src/util/y.ts']);
  });
});
