// The reviewer's cheap deterministic checks: they run on the task's diff before any model is asked, and a
// finding is a request for changes with the check's message. Pure.
import { changedLines, type DiffLine, type FileDiff } from './diff';
import { type ConfigText, testConfigChanges } from './test-config';

/** A diff larger than this many changed lines (added + removed) per declared file is out of the task's scope. */
export const MAX_CHANGED_LINES_PER_FILE = 200;

export type CheckName =
  | 'test-expectations'
  | 'tests-skipped'
  | 'undeclared-files'
  | 'oversized'
  | 'debug-leftovers'
  | 'conflict-markers'
  | 'test-config'
  | 'task-files'
  | 'new-diagnostics';

export interface Finding {
  check: CheckName;
  file?: string;
  line?: number;
  message: string;
}

export interface CheckInput {
  category: string;
  /** The task file's text: a task that says it removes or skips tests may do so. */
  taskText: string;
  /** Files the task names (front matter and Change blocks). */
  declared: string[];
  /** The agent's summary: a changed file it names is explained there. */
  summary: string;
  files: FileDiff[];
  maxLinesPerFile?: number;
  /** Before and after of the changed package.json, pyproject.toml, setup.cfg, tox.ini (their test part is compared). */
  configTexts?: Record<string, ConfigText>;
}

/** Test files by path (the same shapes the commit policy protects). */
export const TEST_FILE =
  /(^|\/)(test|tests|__tests__|spec)\/|\.(test|spec)\.[cm]?[jt]sx?$|(^|\/)test_[^/]+\.py$|_test\.(go|py)$/;
export const isTestFile = (p: string) => TEST_FILE.test(p);

const ASSERTION =
  /\b(assert\w*|expect|should|assertThat|require\.\w+|t\.(Error|Errorf|Fatal|Fatalf))\b|\.to[A-Z]\w*\(|\bself\.assert\w+/;
/** String, number, boolean and null-like literals. */
const LITERAL =
  /(["'`])(?:\\.|(?!\1).)*\1|(?<![\w.)\]])-?\d+(?:\.\d+)?(?:e[+-]?\d+)?n?\b|\b(?:true|false|null|undefined|None|True|False|nil|NaN|Infinity)\b/g;

const isComment = (text: string) => /^\s*(\/\/|\/?\*|#)/.test(text);
const literals = (text: string) => text.match(LITERAL) ?? [];
const shape = (text: string) => text.replace(LITERAL, '\u0000').replace(/\s+/g, '');

/** `expect(subject).matcher(expected)`: the part up to the matcher's argument, and the argument. */
function expectParts(text: string): { subject: string; expected: string } | null {
  const m = /^(.*\bexpect\s*\(.*\)\s*(?:\.\s*not)?\s*\.\s*\w+\s*\()(.*)\)\s*;?\s*$/.exec(text.trim());
  return m ? { subject: m[1].replace(/\s+/g, ''), expected: m[2].trim() } : null;
}

/** Assertion lines whose expected value changed: a removed and an added assertion of the same shape with other literals, or the same expect(...) subject with another expected argument. */
export function changedExpectations(files: FileDiff[]): Finding[] {
  const out: Finding[] = [];
  for (const f of files) {
    if (!isTestFile(f.path) || f.status === 'added') continue;
    for (const hunk of f.hunks) {
      const removed = hunk.filter((l) => l.kind === '-' && ASSERTION.test(l.text) && !isComment(l.text));
      const added = hunk.filter((l) => l.kind === '+' && ASSERTION.test(l.text) && !isComment(l.text));
      const used = new Set<DiffLine>();
      for (const r of removed) {
        const rShape = shape(r.text);
        const rExpect = expectParts(r.text);
        const match = added.find((a) => {
          if (used.has(a)) return false;
          if (shape(a.text) === rShape) return literals(a.text).join('\u0001') !== literals(r.text).join('\u0001');
          const aExpect = expectParts(a.text);
          return !!rExpect && !!aExpect && aExpect.subject === rExpect.subject && aExpect.expected !== rExpect.expected;
        });
        if (!match) continue;
        used.add(match);
        out.push({
          check: 'test-expectations',
          file: f.path,
          line: match.newLine,
          message: `changes what a test expects: \`${r.text.trim()}\` became \`${match.text.trim()}\``,
        });
      }
    }
  }
  return out;
}

const SKIP_MARKERS: Array<[RegExp, string]> = [
  [/\b(it|test|describe|context|suite)\s*\.\s*(skip|todo)\s*\(/, 'skips a test'],
  [/\b(xit|xtest|xdescribe|xcontext)\s*\(/, 'skips a test'],
  [
    /\b(it|test|describe|context|suite)\s*\.\s*only\s*\(|\b(fit|fdescribe)\s*\(/,
    'focuses one test (.only), so the others no longer run',
  ],
  [/@pytest\.mark\.(skip|skipif|xfail)\b|@unittest\.skip|\bpytest\.skip\s*\(|\bself\.skipTest\s*\(/, 'skips a test'],
  [/\bt\.Skip(Now|f)?\s*\(/, 'skips a test'],
  [/#\[ignore\]/, 'skips a test'],
  [/\{\s*skip\s*:\s*true\s*\}|\.skip\s*=\s*true/, 'skips a test'],
];
const TEST_DECLARATION =
  /^\s*(it|test|describe)\s*\(|^\s*(async\s+)?def\s+test_\w*\s*\(|^\s*func\s+Test\w*\s*\(|^\s*#\[test\]/;
/** A task that says it removes, skips or disables tests. */
const SAYS_SO =
  /\b(skip|remov|delet|drop|disabl|quarantin)\w*\b[^.\n]{0,80}\btests?\b|\btests?\b[^.\n]{0,80}\b(skip|remov|delet|drop|disabl|quarantin)\w*/i;

/** Tests skipped, focused or deleted, unless the task says it does that. */
export function skippedTests(files: FileDiff[], taskText: string): Finding[] {
  if (SAYS_SO.test(taskText)) return [];
  const out: Finding[] = [];
  for (const f of files) {
    if (f.status === 'deleted' && isTestFile(f.path)) {
      out.push({ check: 'tests-skipped', file: f.path, message: `deletes the test file ${f.path}` });
      continue;
    }
    let declaredAdded = 0;
    let declaredRemoved: DiffLine | undefined;
    let removedCount = 0;
    for (const hunk of f.hunks) {
      for (const l of hunk) {
        if (isComment(l.text)) continue;
        if (l.kind === '+') {
          const marker = SKIP_MARKERS.find(([re]) => re.test(l.text));
          const wasThere = marker && hunk.some((r) => r.kind === '-' && r.text.trim() === l.text.trim());
          if (marker && !wasThere)
            out.push({
              check: 'tests-skipped',
              file: f.path,
              line: l.newLine,
              message: `${marker[1]}: \`${l.text.trim()}\``,
            });
          if (TEST_DECLARATION.test(l.text)) declaredAdded++;
        } else if (l.kind === '-' && TEST_DECLARATION.test(l.text) && isTestFile(f.path)) {
          removedCount++;
          declaredRemoved ??= l;
        }
      }
    }
    if (removedCount > declaredAdded && declaredRemoved) {
      out.push({
        check: 'tests-skipped',
        file: f.path,
        line: declaredRemoved.oldLine,
        message: `removes ${removedCount - declaredAdded} test${removedCount - declaredAdded === 1 ? '' : 's'}, e.g. \`${declaredRemoved.text.trim()}\``,
      });
    }
  }
  return out;
}

const mentions = (summary: string, file: string) =>
  summary.includes(file) ||
  new RegExp(
    `\\b${file
      .split('/')
      .pop()!
      .replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\b`,
  ).test(summary);

/** Changed files the task did not name, unless the agent's summary names them (its reason). */
export function undeclaredFiles(files: FileDiff[], declared: string[], summary: string): Finding[] {
  const named = new Set(declared);
  return files
    .filter(
      (f) =>
        !f.path.startsWith('tasks/') &&
        !named.has(f.path) &&
        !(f.oldPath && named.has(f.oldPath)) &&
        !mentions(summary, f.path),
    )
    .map((f) => ({
      check: 'undeclared-files' as const,
      file: f.path,
      message: `changes ${f.path}, which the task does not name, and the summary gives no reason for it`,
    }));
}

/** A diff much larger than the task's declared scope. */
export function oversized(files: FileDiff[], declared: string[], maxPerFile = MAX_CHANGED_LINES_PER_FILE): Finding[] {
  const counted = files.filter((f) => !f.path.startsWith('tasks/'));
  const total = counted.reduce((n, f) => {
    const c = changedLines(f);
    return n + c.added + c.removed;
  }, 0);
  const limit = maxPerFile * Math.max(1, declared.length);
  if (total <= limit) return [];
  return [
    {
      check: 'oversized',
      message: `changes ${total} lines in ${counted.length} file${counted.length === 1 ? '' : 's'}, more than ${limit} (${maxPerFile} per declared file); split the task or keep to its scope`,
    },
  ];
}

const LEFTOVERS: Array<{ re: RegExp; what: string; only?: RegExp }> = [
  { re: /\bconsole\s*\.\s*(log|debug|trace|dir)\s*\(/, what: 'console output' },
  { re: /(^|[^\w.$])debugger\s*;?\s*$|(^|[;{]\s*)debugger\s*;/, what: 'a debugger statement', only: /\.[cm]?[jt]sx?$/ },
  { re: /(^|[^\w.])print\s*\(/, what: 'a print call', only: /\.py$/ },
  { re: /\b(breakpoint|pdb\.set_trace)\s*\(/, what: 'a breakpoint', only: /\.py$/ },
];

/** Debugging leftovers added in non-test code (more added than removed, so a moved line is not one). */
export function debugLeftovers(files: FileDiff[]): Finding[] {
  const out: Finding[] = [];
  for (const f of files) {
    if (isTestFile(f.path) || f.path.startsWith('tasks/')) continue;
    for (const { re, what, only } of LEFTOVERS) {
      if (only && !only.test(f.path)) continue;
      const lines = f.hunks.flat().filter((l) => l.kind !== ' ' && re.test(l.text) && !isComment(l.text));
      const added = lines.filter((l) => l.kind === '+');
      const removed = lines.filter((l) => l.kind === '-').length;
      if (added.length > removed)
        out.push({
          check: 'debug-leftovers',
          file: f.path,
          line: added[removed]?.newLine ?? added[0].newLine,
          message: `adds ${what} in non-test code: \`${added[0].text.trim()}\``,
        });
    }
  }
  return out;
}

/** Merge-conflict markers left in a file. */
export function conflictMarkers(files: FileDiff[]): Finding[] {
  const out: Finding[] = [];
  for (const f of files) {
    const added = f.hunks.flat().filter((l) => l.kind === '+');
    const opening = added.some((l) => /^<{7}( |$)/.test(l.text));
    const marker = added.find((l) => /^(<{7}|>{7})( |$)/.test(l.text) || (opening && /^={7}$/.test(l.text)));
    if (marker)
      out.push({
        check: 'conflict-markers',
        file: f.path,
        line: marker.newLine,
        message: `leaves a merge-conflict marker: \`${marker.text.trim()}\``,
      });
  }
  return out;
}

/** A change to how the tests run (test-config.ts): the gate that judges the change would run differently. */
export function testConfigEdits(
  files: FileDiff[],
  declared: string[],
  taskText: string,
  configTexts?: Record<string, ConfigText>,
): Finding[] {
  return testConfigChanges(files, { declared, taskText, isTestFile }, configTexts).map(({ file, what }) => ({
    check: 'test-config' as const,
    file,
    message: `changes ${what} (${file}): the test command that judges this change would run differently; a task may not change how its tests run`,
  }));
}

/**
 * The backlog is the run's input, not the change's: a change never writes a task file (a later task's `tests:`
 * or Change blocks). The commit's own move of the task's file to tasks/archive/ is no such write.
 */
export function taskFileEdits(files: FileDiff[]): Finding[] {
  return files
    .filter((f) => f.path.startsWith('tasks/') && !f.path.startsWith('tasks/archive/') && f.status !== 'deleted')
    .map((f) => ({
      check: 'task-files' as const,
      file: f.path,
      message: `changes ${f.path}: task files (tasks/) are the run's backlog, never part of a change`,
    }));
}

/** Every check, in order; an empty list means the model may review. */
export function runChecks(input: CheckInput): Finding[] {
  const files = input.files.filter((f) => !f.path.startsWith('tasks/'));
  return [
    ...taskFileEdits(input.files),
    ...testConfigEdits(files, input.declared, input.taskText, input.configTexts),
    ...conflictMarkers(files),
    ...(input.category === 'tests' ? [] : changedExpectations(files)),
    ...skippedTests(files, input.taskText),
    ...undeclaredFiles(files, input.declared, input.summary),
    ...oversized(files, input.declared, input.maxLinesPerFile),
    ...debugLeftovers(files),
  ];
}

/** One line for a reason: the first finding, and how many more. */
export function findingsSummary(findings: Finding[]): string {
  if (!findings.length) return 'no findings';
  const f = findings[0];
  const where = f.file ? `${f.file}${f.line ? `:${f.line}` : ''} ` : '';
  return `${where}${f.message}${findings.length > 1 ? ` (and ${findings.length - 1} more finding${findings.length > 2 ? 's' : ''})` : ''}`;
}
