import { XMLParser } from 'fast-xml-parser';
import {
  dedupe,
  type FileError,
  firstLine,
  relFile,
  type TestResult,
  type TestResults,
  type TestStatus,
} from './results';

/**
 * Parsers from each runner's own machine-readable report to TestResults. Pure: text in, results out.
 * A test file that fails as a whole (does not load, does not compile, crashes between tests) becomes a
 * FileError, never silently nothing. Each parser throws on text that is not its format at all, so a
 * caller can tell "no usable report" from "a report with no tests".
 */

/** The line of an error text that says what went wrong: the first "XxxError: …" line, else the first line. */
function errorLine(text: string | undefined): string {
  const clean = (text ?? '').replace(/\x1b\[[0-9;]*m/g, '');
  const named = clean
    .split(/\r?\n/)
    .map((l) => l.trim().replace(/^E\s+/, ''))
    .find((l) => /^([A-Z]\w*(Error|Exception)|error(\[\w+\])?)\b:?/.test(l));
  return (named ?? firstLine(clean)).slice(0, 300);
}

const statusOf = (s: string | undefined): TestStatus =>
  s === 'passed' ? 'passed' : s === 'failed' ? 'failed' : 'skipped';

// ---------------------------------------------------------------------------------------------- jest, vitest

interface JestAssertion {
  ancestorTitles?: string[];
  title: string;
  fullName?: string;
  status: string;
}
interface JestFile {
  name: string;
  status?: string;
  message?: string;
  assertionResults?: JestAssertion[];
}

/**
 * `jest --json --outputFile=F` and `vitest --reporter=json --outputFile=F` (the same shape). A file whose
 * status is failed with no failed test in it ("Test suite failed to run", an import that does not
 * parse) is a file error, as is a suite-level failure next to failed tests.
 */
export function parseJestJson(text: string, cwd?: string): TestResults {
  const report = JSON.parse(text) as { testResults?: JestFile[] };
  if (!report || !Array.isArray(report.testResults)) throw new Error('not a jest/vitest JSON report (no testResults)');
  const tests: TestResult[] = [];
  const fileErrors: FileError[] = [];
  for (const f of report.testResults) {
    const file = relFile(f.name, cwd);
    const assertions = f.assertionResults ?? [];
    for (const a of assertions)
      tests.push({ file, name: [...(a.ancestorTitles ?? []), a.title].join(' › '), status: statusOf(a.status) });
    const anyFailed = assertions.some((a) => a.status === 'failed');
    const suiteFailed = f.status === 'failed' && (!anyFailed || /Test suite failed to run/.test(f.message ?? ''));
    if (suiteFailed) fileErrors.push({ file, message: errorLine(f.message) || 'the test file failed to run' });
  }
  return dedupe({ tests, fileErrors });
}

// ---------------------------------------------------------------------------------------------- node --test

interface NodeEvent {
  type: 'start' | 'pass' | 'fail' | 'stderr' | 'stdout';
  name?: string;
  file?: string;
  nesting?: number;
  suite?: boolean;
  skip?: boolean;
  todo?: boolean;
  failureType?: string;
  error?: string;
  message?: string;
}

/**
 * The JSON lines of Flotilla's node:test reporter (node-reporter.ts). Names join the enclosing tests and
 * suites with " › "; suites themselves are not tests. Node reports a file that fails outside any test
 * (a syntax error in a module it imports, an uncaught error) as a top-level test named after the file:
 * that is a file error, with the first error line the file wrote to stderr.
 */
export function parseNodeEvents(text: string, cwd?: string): TestResults {
  const events: NodeEvent[] = [];
  for (const line of text.split(/\r?\n/)) {
    if (!line.trim().startsWith('{')) continue;
    try {
      events.push(JSON.parse(line));
    } catch {
      /* a torn last line */
    }
  }
  if (events.length === 0 && text.trim()) throw new Error('not a Flotilla node:test report');
  const tests: TestResult[] = [];
  const fileErrors: FileError[] = [];
  const stacks = new Map<string, string[]>();
  const stderr = new Map<string, string[]>();
  for (const e of events) {
    const rawFile = e.file ?? '';
    const file = relFile(rawFile, cwd);
    if (e.type === 'stderr' || e.type === 'stdout') {
      if (e.type === 'stderr') stderr.set(file, [...(stderr.get(file) ?? []), e.message ?? '']);
      continue;
    }
    const nesting = e.nesting ?? 0;
    const stack = stacks.get(file) ?? [];
    stacks.set(file, stack);
    if (e.type === 'start') {
      stack.length = nesting;
      stack[nesting] = e.name ?? '';
      continue;
    }
    if (e.suite) continue;
    const name = e.name ?? '';
    if (nesting === 0 && rawFile && (name === rawFile || relFile(name, cwd) === file)) {
      if (e.type === 'fail')
        fileErrors.push({
          file,
          message: errorLine((stderr.get(file) ?? []).join('')) || errorLine(e.error) || 'the test file failed',
        });
      continue;
    }
    const full = [...stack.slice(0, nesting), name].join(' › ');
    const status: TestStatus =
      e.skip || e.todo ? 'skipped' : e.type === 'pass' || e.failureType === 'subtestsFailed' ? 'passed' : 'failed';
    tests.push({ file, name: full, status });
  }
  return dedupe({ tests, fileErrors });
}

// ---------------------------------------------------------------------------------------------- JUnit XML (pytest)

type XmlNode = Record<string, unknown>;
const asArray = <T>(x: T | T[] | undefined): T[] => (x === undefined ? [] : Array.isArray(x) ? x : [x]);
const attr = (n: XmlNode, key: string): string | undefined =>
  typeof n[key] === 'string' || typeof n[key] === 'number' ? String(n[key]) : undefined;
const bodyOf = (x: unknown): string => {
  if (typeof x === 'string') return x;
  if (x && typeof x === 'object') {
    const o = x as XmlNode;
    return [typeof o['#text'] === 'string' ? (o['#text'] as string) : '', attr(o, 'message')]
      .filter(Boolean)
      .join('\n');
  }
  return '';
};

/**
 * JUnit XML: pytest's `--junitxml=F` (read best with `-o junit_family=xunit1`, which adds each test's
 * file), and other runners' JUnit files. A pytest collection error (the module does not import) is a
 * file error; so is any errored testcase without a class that names a module rather than a test.
 */
export function parseJunit(xml: string, cwd?: string): TestResults {
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '',
    parseAttributeValue: false,
    parseTagValue: false,
    textNodeName: '#text',
    isArray: (name) => ['testsuite', 'testcase', 'failure', 'error', 'skipped'].includes(name),
  });
  const doc = parser.parse(xml) as XmlNode;
  const roots = [...asArray(doc.testsuites as XmlNode | XmlNode[]), ...asArray(doc.testsuite as XmlNode | XmlNode[])];
  if (roots.length === 0) throw new Error('not a JUnit XML report (no testsuites or testsuite)');
  const tests: TestResult[] = [];
  const fileErrors: FileError[] = [];
  const visit = (suite: XmlNode, suiteFile: string | undefined) => {
    const here = attr(suite, 'file') ?? suiteFile;
    for (const c of asArray(suite.testcase as XmlNode[] | undefined)) {
      const classname = attr(c, 'classname') ?? '';
      const name = attr(c, 'name') ?? '';
      const failure = [...asArray(c.failure as unknown[]), ...asArray(c.error as unknown[])];
      const fileAttr = attr(c, 'file') ?? here;
      // pytest: "tests.test_a.TestX" for tests/test_a.py → the name within the file is "TestX::test".
      const moduleOf = (f: string) => relFile(f, cwd).replace(/\.py$/, '').replace(/\//g, '.');
      if (!classname && failure.length) {
        const file = fileAttr
          ? relFile(fileAttr, cwd)
          : name.includes('/')
            ? relFile(name, cwd)
            : `${name.replace(/\./g, '/')}.py`;
        fileErrors.push({ file, message: errorLine(failure.map(bodyOf).join('\n')) || 'collection failure' });
        continue;
      }
      let file = fileAttr ? relFile(fileAttr, cwd) : '';
      let inner = classname;
      if (file && classname.startsWith(moduleOf(file)))
        inner = classname.slice(moduleOf(file).length).replace(/^\./, '');
      if (!file) file = classname || '(unknown file)';
      const full = inner && inner !== file ? `${inner.replace(/\./g, '::')}::${name}` : name;
      const status: TestStatus = failure.length ? 'failed' : c.skipped !== undefined ? 'skipped' : 'passed';
      tests.push({ file, name: full, status });
    }
    for (const s of asArray(suite.testsuite as XmlNode[] | undefined)) visit(s, here);
  };
  for (const r of roots) visit(r, undefined);
  return dedupe({ tests, fileErrors });
}

// ---------------------------------------------------------------------------------------------- go test -json

interface GoEvent {
  Action: string;
  Package?: string;
  ImportPath?: string;
  Test?: string;
  Output?: string;
  FailedBuild?: string;
}

function goEvents(text: string): GoEvent[] {
  const events: GoEvent[] = [];
  for (const line of text.split(/\r?\n/)) {
    const l = line.trim();
    if (!l.startsWith('{')) continue;
    try {
      const e = JSON.parse(l);
      if (e && typeof e.Action === 'string') events.push(e);
    } catch {
      /* not an event */
    }
  }
  return events;
}

/**
 * `go test -json`: tests per package (the package import path is the "file"). A package that fails with
 * no failed test (a build error, a panic in TestMain or init, a timeout outside tests) is a file error.
 */
export function parseGoJson(text: string): TestResults {
  const events = goEvents(text);
  if (events.length === 0 && text.trim()) throw new Error('not go test -json output');
  const tests: TestResult[] = [];
  const fileErrors: FileError[] = [];
  const buildOutput = new Map<string, string[]>();
  const packageOutput = new Map<string, string[]>();
  const failedIn = new Set<string>();
  for (const e of events) {
    if (e.Action === 'build-output' && e.ImportPath)
      buildOutput.set(e.ImportPath, [...(buildOutput.get(e.ImportPath) ?? []), e.Output ?? '']);
    const pkg = e.Package;
    if (!pkg) continue;
    if (e.Action === 'output' && !e.Test) packageOutput.set(pkg, [...(packageOutput.get(pkg) ?? []), e.Output ?? '']);
    if (e.Test && ['pass', 'fail', 'skip'].includes(e.Action)) {
      tests.push({
        file: pkg,
        name: e.Test,
        status: e.Action === 'pass' ? 'passed' : e.Action === 'fail' ? 'failed' : 'skipped',
      });
      if (e.Action === 'fail') failedIn.add(pkg);
    }
    if (!e.Test && e.Action === 'fail' && !failedIn.has(pkg)) {
      const build = e.FailedBuild ? (buildOutput.get(e.FailedBuild) ?? []).filter((l) => !l.startsWith('#')) : [];
      const out = (packageOutput.get(pkg) ?? []).filter((l) => !/^(FAIL|ok)\s/.test(l) && l.trim() !== 'FAIL');
      const message =
        firstLine(build.join('')) ||
        errorLine(out.join('')) ||
        (e.FailedBuild ? 'build failed' : 'the package failed outside any test');
      fileErrors.push({ file: pkg, message: e.FailedBuild ? `build failed: ${message}` : message });
    }
  }
  return dedupe({ tests, fileErrors });
}

/** The human-readable output inside `go test -json` events, for logs and the agent's feedback. */
export function goJsonText(text: string): string {
  return goEvents(text)
    .map((e) => e.Output ?? '')
    .join('');
}

// ---------------------------------------------------------------------------------------------- mocha

interface MochaTest {
  fullTitle?: string;
  title?: string;
  file?: string;
  err?: Record<string, unknown>;
}

/** `mocha --reporter json --reporter-option output=F`. Names are mocha's full titles; a failed hook counts as a failed test. */
export function parseMochaJson(text: string, cwd?: string): TestResults {
  const report = JSON.parse(text) as {
    tests?: MochaTest[];
    passes?: MochaTest[];
    failures?: MochaTest[];
    pending?: MochaTest[];
  };
  if (!report || !Array.isArray(report.tests)) throw new Error('not a mocha JSON report (no tests)');
  const tests: TestResult[] = [];
  const add = (list: MochaTest[] | undefined, status: TestStatus) => {
    for (const t of list ?? [])
      tests.push({ file: relFile(t.file ?? '(unknown file)', cwd), name: t.fullTitle ?? t.title ?? '', status });
  };
  add(report.pending, 'skipped');
  add(report.passes, 'passed');
  add(report.failures, 'failed');
  const known = new Set(tests.map((t) => `${t.file}::${t.name}`));
  for (const t of report.tests) {
    const r: TestResult = {
      file: relFile(t.file ?? '(unknown file)', cwd),
      name: t.fullTitle ?? t.title ?? '',
      status: t.err && Object.keys(t.err).length ? 'failed' : 'passed',
    };
    if (!known.has(`${r.file}::${r.name}`)) tests.push(r);
  }
  return dedupe({ tests, fileErrors: [] });
}

// ---------------------------------------------------------------------------------------------- cargo test (text)

/**
 * `cargo test` and `cargo nextest run` output (libtest's JSON is unstable, so this reads the standard
 * lines). The "file" is the test target ("src/lib.rs", "tests/api.rs"). A target that does not compile,
 * or whose test binary dies without a failed test, is a file error.
 */
export function parseCargoText(text: string, cwd?: string): TestResults {
  const tests: TestResult[] = [];
  const fileErrors: FileError[] = [];
  let target = '(unknown target)';
  let lastError = '';
  let lastLocation = '';
  const failedTargets = new Set<string>();
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/\x1b\[[0-9;]*m/g, '');
    let m: RegExpExecArray | null;
    if ((m = /^\s*Running (?:unittests )?(\S+) \(/.exec(line))) target = relFile(m[1], cwd);
    else if ((m = /^\s*Doc-tests (\S+)/.exec(line))) target = `doc-tests ${m[1]}`;
    else if ((m = /^test (.+?) \.\.\. (ok|FAILED|ignored)\b/.exec(line))) {
      const status: TestStatus = m[2] === 'ok' ? 'passed' : m[2] === 'FAILED' ? 'failed' : 'skipped';
      tests.push({ file: target, name: m[1], status });
      if (status === 'failed') failedTargets.add(target);
    } else if (
      (m =
        /^\s*(PASS|FAIL|SKIP|SIGSEGV|SIGABRT|SIGKILL|TIMEOUT|ABORT)\s+\[[^\]]*\]\s+(?:\(\s*\d+\/\d+\)\s+)?(\S+)\s+(.+)$/.exec(
          line,
        ))
    ) {
      const status: TestStatus = m[1] === 'PASS' ? 'passed' : m[1] === 'SKIP' ? 'skipped' : 'failed';
      tests.push({ file: m[2], name: m[3].trim(), status });
    } else if ((m = /^error: could not compile `([^`]+)`(?: \(([^)]+)\))?/.exec(line))) {
      const file = lastLocation || `${m[1]}${m[2] ? ` (${m[2]})` : ''}`;
      fileErrors.push({ file, message: `does not compile: ${lastError || line.trim()}` });
      lastError = '';
      lastLocation = '';
    } else if (
      (m = /^(error(?:\[\w+\])?: .+)$/.exec(line)) &&
      !/^error: (test failed|\d+ targets? failed|could not compile)/.test(line)
    ) {
      if (!lastError) lastError = m[1].slice(0, 300);
    } else if ((m = /^\s*--> ([^:\s]+):\d+/.exec(line))) {
      if (!lastLocation) lastLocation = relFile(m[1], cwd);
    } else if (/^error: test failed, to rerun pass/.test(line) || /process didn't exit successfully/.test(line)) {
      if (!failedTargets.has(target) && target !== '(unknown target)')
        fileErrors.push({ file: target, message: line.trim().slice(0, 300) });
    }
  }
  return dedupe({ tests, fileErrors });
}
