// Recognising a change to how the tests run: the gate judges a change by running the repository's test
// command, so a change that edits that command's configuration (the `test` script, the runner's config file,
// its setup code, pytest's conftest.py, a Makefile's `test`, `.npmrc`'s script shell) could make the gate run
// nothing and pass. Pure: paths and texts in, findings out.
import { parseTaskFile } from '../../planner/parse-task';
import type { FileDiff } from './diff';

/** Files that are test configuration as a whole: any change to them changes how the tests run. */
const WHOLE_FILE: Array<[RegExp, string]> = [
  [/(^|\/)jest\.config\.[cm]?[jt]s$|(^|\/)jest\.config\.json$/, "jest's configuration"],
  [/(^|\/)(vitest\.(config|workspace)|vite\.config)\.[cm]?[jt]s$/, "vitest's configuration"],
  [/(^|\/)\.mocharc(\.[cm]?js|\.json|\.jsonc|\.ya?ml)?$/, "mocha's configuration"],
  [/(^|\/)ava\.config\.[cm]?js$|(^|\/)karma\.conf\.[cm]?[jt]s$/, "the test runner's configuration"],
  [
    /(^|\/)(jest|vitest)\.(setup|teardown)[\w.-]*\.[cm]?[jt]sx?$|(^|\/)setupTests\.[cm]?[jt]sx?$|(^|\/)global-?(setup|teardown)\.[cm]?[jt]sx?$/i,
    "the test runner's setup code",
  ],
  [/(^|\/)pytest\.ini$/, "pytest's configuration"],
  [/(^|\/)conftest\.py$/, "pytest's setup code (conftest.py: its hooks can deselect tests)"],
  [/(^|\/)(GNUmakefile|[Mm]akefile)$/, 'the Makefile (`make test`)'],
  [/(^|\/)\.npmrc$|(^|\/)\.yarnrc(\.ya?ml)?$/, "the package manager's settings (script-shell runs every script)"],
];

/** Files with a test part: package.json's scripts and runner keys, pyproject's, setup.cfg's and tox.ini's pytest sections. */
export const SHARED_CONFIG = /(^|\/)(package\.json|pyproject\.toml|setup\.cfg|tox\.ini)$/;

export interface ConfigText {
  before: string | null;
  after: string | null;
}

/** The scripts the test script runs (`npm run x`, `yarn x`, `pnpm x`), with the test scripts themselves. */
function testScripts(scripts: Record<string, unknown>): Set<string> {
  const names = new Set(Object.keys(scripts).filter((n) => /^(pre|post)?test($|:)/.test(n)));
  for (const n of [...names]) {
    const text = String(scripts[n] ?? '');
    for (const m of text.matchAll(/\b(?:npm|pnpm|yarn|bun)\s+(?:run(?:-script)?\s+)?([\w:.-]+)/g))
      if (m[1] in scripts) names.add(m[1]);
  }
  return names;
}

function jsonTestPart(text: string | null): string {
  let pkg: Record<string, unknown> = {};
  try {
    const parsed: unknown = text === null ? {} : JSON.parse(text);
    if (parsed && typeof parsed === 'object') pkg = parsed as Record<string, unknown>;
  } catch {
    return `unparsable:${text}`;
  }
  const scripts = pkg.scripts && typeof pkg.scripts === 'object' ? (pkg.scripts as Record<string, unknown>) : {};
  const kept: Record<string, unknown> = {};
  for (const n of [...testScripts(scripts)].sort()) kept[`scripts.${n}`] = scripts[n];
  for (const key of ['jest', 'mocha', 'ava', 'vitest']) if (key in pkg) kept[key] = pkg[key];
  return JSON.stringify(kept);
}

/** The sections of an INI or TOML text whose header matches `header`. */
function sections(text: string | null, header: RegExp): string {
  const out: string[] = [];
  let inside = false;
  for (const line of (text ?? '').split(/\r?\n/)) {
    const h = /^\s*\[([^\]]+)\]/.exec(line);
    if (h) inside = header.test(h[1].trim());
    if (inside) out.push(line.trimEnd());
  }
  return out.join('\n');
}

function testPart(file: string, text: string | null): string {
  const base = file.split('/').pop();
  if (base === 'package.json') return jsonTestPart(text);
  if (base === 'pyproject.toml') return sections(text, /^tool\.pytest/);
  if (base === 'setup.cfg') return sections(text, /^tool:pytest$/);
  return sections(text, /^(pytest|testenv.*|tox)$/);
}

/** The words of a command that name files (`./scripts/check.sh`, `jest.ci.js`), as repository paths. */
function pathsIn(command: string): string[] {
  return command
    .split(/[\s;&|()<>=]+/)
    .map((w) => w.replace(/^['"]|['"]$/g, '').replace(/^\.\//, ''))
    .filter((w) => /[/.]/.test(w) && !w.startsWith('-') && !w.startsWith('/'));
}

/** Paths the task's own `tests:` command names (a script it runs, a config it passes). */
function namedByTaskTests(taskText: string): string[] {
  const parsed = parseTaskFile({ path: 'task.md', text: taskText });
  const tests = parsed.ok ? parsed.task.tests : undefined;
  return tests ? pathsIn(tests) : [];
}

/** Paths package.json's test scripts name (`"test": "node scripts/run-tests.js"`). */
function namedByTestScripts(text: string | null | undefined): string[] {
  try {
    const pkg: unknown = JSON.parse(text ?? '');
    const scripts = pkg && typeof pkg === 'object' ? (pkg as Record<string, unknown>).scripts : undefined;
    if (!scripts || typeof scripts !== 'object') return [];
    return [...testScripts(scripts as Record<string, unknown>)].flatMap((n) =>
      pathsIn(String((scripts as Record<string, unknown>)[n] ?? '')),
    );
  } catch {
    return [];
  }
}

/**
 * The changed files that configure how the tests run, with what they are. `texts` holds the before and after of
 * the shared files (package.json…) that changed, for their test part. A whole configuration file, or a file the
 * task's own `tests:` command runs, that the task itself names is the task's business (a test file its command
 * runs is the other checks' business); the test part of package.json or pyproject.toml never is.
 */
export function testConfigChanges(
  files: FileDiff[],
  task: { declared: string[]; taskText: string; isTestFile: (p: string) => boolean },
  texts: Record<string, ConfigText> = {},
): Array<{ file: string; what: string }> {
  const named = new Set(task.declared);
  const ownTests = namedByTaskTests(task.taskText);
  const testScriptFiles = namedByTestScripts(texts['package.json']?.before);
  const out: Array<{ file: string; what: string }> = [];
  for (const f of files) {
    const paths = [f.path, ...(f.oldPath !== undefined ? [f.oldPath] : [])];
    const whole = WHOLE_FILE.find(([re]) => paths.some((p) => re.test(p)));
    if (whole) {
      if (!named.has(f.path)) out.push({ file: f.path, what: whole[1] });
      continue;
    }
    if (SHARED_CONFIG.test(f.path)) {
      const t = texts[f.path];
      // Without the texts, any change to the file counts (the safe side).
      if (!t || testPart(f.path, t.before) !== testPart(f.path, t.after))
        out.push({
          file: f.path,
          what: f.path.endsWith('package.json')
            ? 'the test scripts or the test runner settings in package.json'
            : 'the pytest settings',
        });
      continue;
    }
    const names = (words: string[]) => words.some((w) => paths.some((p) => p === w || p.endsWith(`/${w}`)));
    if (named.has(f.path) || task.isTestFile(f.path)) continue;
    if (names(ownTests)) out.push({ file: f.path, what: "a file the task's own tests command runs" });
    else if (names(testScriptFiles)) out.push({ file: f.path, what: "a file package.json's test script runs" });
  }
  return out;
}
