import { type TestResult, type TestResults, testId } from './reports/results';

/**
 * The verdict on a test run against the baseline, from machine-readable results. Pure. A change fails when:
 * - a test, or a test file, that was green at the base is red (a new test that is red counts too);
 * - the process exited non-zero and its failures are not all explained by tests already red at the base
 *   or known flaky (a crash, a runner error, a file that failed to load without a test name, a timeout);
 * - tests vanished from (or became skipped in) a file the task did not edit. Tests gone from files the
 *   task edited are allowed, and listed.
 * A test "vanished" only when this command was expected to run it: it was in the baseline, the command selects it
 * (a narrowed run's files are those it ran; its runner's name filter, `go test -run`, `jest -t`, `pytest -k`…, is
 * `selects`), and its file is not one the branch changed since the baseline (`changedSinceBase`: an earlier
 * task's commit may have removed or renamed it; the baseline does not know what those files hold now).
 * A run of the baseline's own command that reports no per-test results where the baseline did fails
 * (`expectResults`): "passed by exit code" would pass a change that emptied the test script.
 */

export interface VerdictInput {
  /** The base's results. Null when the base gave no machine-readable results: then nothing can vanish. */
  baseline: TestResults | null;
  /** This run's results; null when the runner wrote no report (the judge then goes by `textFailures`). */
  run: TestResults | null;
  exitCode: number;
  /** Files the task edited, relative to the worktree. */
  edited: string[];
  /** Ids known flaky (`file::name`, or a file for a file error): from the baseline and this run's re-runs. */
  flaky: Iterable<string>;
  /** The run was the whole suite (so a whole file missing counts as vanished); false for a narrowed run. */
  fullSuite: boolean;
  /** The runner, when known: decides which exit codes mean "tests failed" rather than "the runner broke". */
  runner?: string;
  /** Failing test names scraped from the output, used only when `run` is null. */
  textFailures?: string[];
  /** Baseline failing names when the baseline, too, had only text (with `run` null). */
  baselineTextFailures?: string[];
  /** The command's own name filter: a baseline test it does not select is not expected (see name-filter.ts). */
  selects?: (t: TestResult) => boolean;
  /** Files committed changes edited between the baseline's commit and the one this run started from. */
  changedSinceBase?: string[];
  /** Go's module path (go.mod), so a file at the module's root maps to its package. */
  goModule?: string;
  /** The baseline ran this same command and reported per-test results: a run without them fails. */
  expectResults?: boolean;
}

export interface Verdict {
  passed: boolean;
  /** What the change broke: test ids, `file (failed to load: …)`, `id (vanished)`, or the unexplained exit. */
  failing: string[];
  /** Tests present at the base and gone from files the task edited (allowed). */
  removed: string[];
  /** Failing tests (and files) that were already red at the base. */
  preExisting: string[];
  /** Failing tests (and files) known flaky. */
  flaky: string[];
  /** One sentence for the evidence. */
  reason: string;
}

/** Exit codes that mean "some tests failed" for each runner; any other non-zero code is the runner breaking. */
export function isTestFailureExit(runner: string | undefined, code: number): boolean {
  if (code === 0) return true;
  if (code === 124 || code >= 128) return false; // timed out or killed by a signal
  switch (runner) {
    case 'jest':
    case 'vitest':
    case 'node':
      return code === 1;
    case 'pytest':
      return code === 1 || code === 2; // 2: interrupted by collection errors (reported as file errors)
    case 'go':
      return code === 1 || code === 2;
    case 'cargo':
      return code === 101;
    case 'mocha':
      return code < 128; // mocha exits with the number of failures
    default:
      return true;
  }
}

const list = (xs: string[], max = 5) =>
  xs.length <= max ? xs.join('; ') : `${xs.slice(0, max).join('; ')} and ${xs.length - max} more`;

const cleanPath = (f: string) => f.replace(/\\/g, '/').replace(/^\.\//, '');

/**
 * Whether a result's `file` is among `files` (edited ones, or ones changed on the branch). Go's "file" is a
 * package import path and cargo's a test target: an edit to a file of that package/crate counts.
 */
export function inFiles(file: string, files: Set<string>, runner?: string, goModule?: string): boolean {
  if (files.has(file)) return true;
  if (runner === 'go') {
    return [...files].some((e) => {
      const dir = e.includes('/') ? e.slice(0, e.lastIndexOf('/')) : '.';
      if (goModule) return file === (dir === '.' ? goModule : `${goModule}/${dir}`);
      return dir !== '.' && (file === dir || file.endsWith(`/${dir}`));
    });
  }
  return runner === 'cargo' && /^src\/(lib|main)\.rs$/.test(file) && [...files].some((e) => /^src\/.*\.rs$/.test(e));
}

export function verdict(input: VerdictInput): Verdict {
  const flaky = new Set(input.flaky);
  const edited = new Set(input.edited.map(cleanPath));
  const changed = new Set((input.changedSinceBase ?? []).map(cleanPath));
  const exitOk = isTestFailureExit(input.runner, input.exitCode);
  const isEdited = (file: string): boolean => inFiles(file, edited, input.runner, input.goModule);
  const changedOnBranch = (file: string): boolean =>
    changed.size > 0 && inFiles(file, changed, input.runner, input.goModule);

  if (
    !input.run &&
    input.expectResults &&
    input.baseline &&
    input.baseline.tests.length + input.baseline.fileErrors.length > 0
  ) {
    const failing = [`no per-test results (the baseline reported ${input.baseline.tests.length} tests)`];
    return {
      passed: false,
      failing,
      removed: [],
      preExisting: [],
      flaky: [],
      reason: `the test command reported per-test results at the base (${input.baseline.tests.length} tests) and none now (exit code ${input.exitCode}): the change stopped the runner from reporting (e.g. emptied the test script), so a pass by exit code proves nothing`,
    };
  }
  if (!input.run) return textVerdict(input, flaky, exitOk);
  const run = input.run;
  const base = input.baseline;
  const baseTests = new Map<string, TestResult>((base?.tests ?? []).map((t) => [testId(t), t]));
  const baseFileErrors = new Set((base?.fileErrors ?? []).map((e) => e.file));

  const failing: string[] = [];
  const preExisting: string[] = [];
  const flakyHit: string[] = [];
  const removed: string[] = [];

  for (const t of run.tests) {
    if (t.status !== 'failed') continue;
    const id = testId(t);
    if (flaky.has(id)) flakyHit.push(id);
    else if (baseTests.get(id)?.status === 'failed' || baseFileErrors.has(t.file)) preExisting.push(id);
    else failing.push(id);
  }
  for (const e of run.fileErrors) {
    if (flaky.has(e.file)) flakyHit.push(e.file);
    else if (baseFileErrors.has(e.file)) preExisting.push(`${e.file} (failed to load)`);
    else failing.push(`${e.file} (failed to load: ${e.message})`);
  }

  // Tests that were at the base and are not now (or are skipped now where they ran before).
  if (base) {
    const now = new Map<string, TestResult>(run.tests.map((t) => [testId(t), t]));
    const ranFiles = new Set([...run.tests.map((t) => t.file), ...run.fileErrors.map((e) => e.file)]);
    const brokenFiles = new Set(run.fileErrors.map((e) => e.file));
    for (const [id, t] of baseTests) {
      if (t.status === 'skipped' || brokenFiles.has(t.file)) continue; // a file that failed to load is already blamed
      if (!input.fullSuite && !ranFiles.has(t.file)) continue; // a narrowed run did not run this file
      if (input.selects && !input.selects(t)) continue; // the command's name filter leaves it out
      const current = now.get(id);
      const gone = !current || (current.status === 'skipped' && t.status === 'passed');
      if (!gone) continue;
      const what = current ? `${id} (now skipped)` : id;
      if (isEdited(t.file)) removed.push(what);
      else if (changedOnBranch(t.file))
        continue; // an earlier commit changed that file: the baseline's tests there are not this run's
      else failing.push(current ? what : `${id} (vanished)`);
    }
  }

  const explained = flakyHit.length + preExisting.length > 0;
  let reason: string;
  let passed = failing.length === 0;
  if (!passed) reason = `the change broke ${list(failing)}`;
  else if (input.exitCode !== 0 && !exitOk) {
    passed = false;
    failing.push(`exit code ${input.exitCode}`);
    reason = `the test command exited with code ${input.exitCode}, which means the runner itself failed (timed out, killed, crashed), not only tests`;
  } else if (input.exitCode !== 0 && !explained) {
    passed = false;
    failing.push(`exit code ${input.exitCode} with no failed test`);
    reason = `the test command exited with code ${input.exitCode} but reported no failed test or file to explain it`;
  } else if (input.exitCode !== 0)
    reason = `every failure was already red at the base or is flaky (${list([...preExisting, ...flakyHit])})`;
  else reason = 'no test that was green at the base is red';
  if (passed && removed.length) reason += `; tests removed from edited files: ${list(removed)}`;
  return { passed, failing, removed, preExisting, flaky: flakyHit, reason };
}

/** Without a report: a non-zero exit passes only when every scraped failure name is known red or flaky at the base. */
function textVerdict(input: VerdictInput, flaky: Set<string>, exitOk: boolean): Verdict {
  const none = { removed: [] as string[] };
  if (input.exitCode === 0)
    return {
      passed: true,
      failing: [],
      ...none,
      preExisting: [],
      flaky: [],
      reason: 'the test command passed (no machine-readable results; judged by exit code)',
    };
  const names = input.textFailures ?? [];
  const baseRed = new Set([
    ...(input.baselineTextFailures ?? []),
    ...(input.baseline?.tests ?? []).filter((t) => t.status === 'failed').flatMap((t) => [t.name, testId(t)]),
  ]);
  const flakyNames = new Set(
    [...flaky].flatMap((id) => [id, id.includes('::') ? id.slice(id.lastIndexOf('::') + 2) : id]),
  );
  const preExisting = names.filter((n) => baseRed.has(n) && !flakyNames.has(n));
  const flakyHit = names.filter((n) => flakyNames.has(n));
  const failing = names.filter((n) => !baseRed.has(n) && !flakyNames.has(n));
  if (!exitOk)
    return {
      passed: false,
      failing: [...failing, `exit code ${input.exitCode}`],
      ...none,
      preExisting,
      flaky: flakyHit,
      reason: `the test command exited with code ${input.exitCode} (timed out, killed or crashed); no machine-readable results`,
    };
  if (names.length === 0)
    return {
      passed: false,
      failing: [`exit code ${input.exitCode} with no failed test`],
      ...none,
      preExisting,
      flaky: flakyHit,
      reason: `the test command exited with code ${input.exitCode} and wrote no report; no failed test names could be read from its output`,
    };
  if (failing.length)
    return {
      passed: false,
      failing,
      ...none,
      preExisting,
      flaky: flakyHit,
      reason: `the change broke ${list(failing)} (read from the output text: the runner wrote no report)`,
    };
  return {
    passed: true,
    failing: [],
    ...none,
    preExisting,
    flaky: flakyHit,
    reason: `every failure named in the output was already red or is flaky (read from the output text: the runner wrote no report, so a failure without a test name could be missed)`,
  };
}
