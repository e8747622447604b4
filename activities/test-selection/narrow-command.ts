import * as path from 'node:path';
import { globToRegExp } from '../glob';
import { shellJoin, type ShellWord } from './shell-words';
import { findRunner, type RunnerCall, splitRunnerArgs } from './test-runner';

/**
 * The command that tests one change: the suite command narrowed to the tests related to the changed
 * files, per runner, or the full suite with the reason when it cannot be narrowed safely (unknown runner,
 * no related test, a runner's own file filters, scripts with hooks, deleted files a runner cannot trace).
 * Pure: the import graph comes in as functions, evaluated only when the runner is known.
 */

export interface ChangeFacts {
  /** The files the agent edited, relative to the worktree. */
  changed: string[];
  /** Those of them that no longer exist. */
  deleted: string[];
  /** Test files that import a changed file (transitively), or are one. */
  relatedTests(): string[];
  /** Go package folders (`./dir`) with tests that depend on a changed .go file; undefined without go.mod. */
  goPackages(): string[] | undefined;
}

export interface TestChoice {
  command: string;
  /** Why this command, for the evidence: "related to src/a.js: test/a.test.js" or "full suite: …". */
  selection: string;
}

/** Above this many related test files, the full suite is as good and keeps the command line short. */
const MAX_TEST_FILES = 300;

/** "a, b, c and 4 more". */
export function listFiles(files: string[], max = 4): string {
  return files.length <= max ? files.join(', ') : `${files.slice(0, max).join(', ')} and ${files.length - max} more`;
}

/** Is `file` among the files a suite pattern names: a file, a folder, or a glob? An empty list names everything. */
export function inSuite(file: string, patterns: ShellWord[]): boolean {
  if (patterns.length === 0) return true;
  return patterns.some(({ text }) => {
    const p = path.posix.normalize(text).replace(/^\.\//, '').replace(/\/+$/, '');
    if (p === '' || p === '.') return true;
    if (/[*?[{]/.test(p)) return globToRegExp(p).test(file);
    return file === p || file.startsWith(`${p}/`);
  });
}

/** Is Go package folder `dir` (`.` or `./x`) among the packages `patterns` name (`./...`, `./x/...`, `./x`)? */
function inGoPackages(dir: string, patterns: ShellWord[]): boolean {
  if (patterns.length === 0) return dir === '.';
  return patterns.some(({ text }) => {
    const p = text.replace(/\/+$/, '');
    if (p === './...' || p === '...') return true;
    if (p.endsWith('/...')) return dir === p.slice(0, -4) || dir.startsWith(p.slice(0, -3));
    return dir === p || (p === './' && dir === '.');
  });
}

/** The words that start the runner; a bare package binary reached through a script gets `npx`, as the script had node_modules/.bin. */
function runnerStart(call: RunnerCall): string[] {
  const bare = call.script && ['jest', 'vitest', 'mocha', '_mocha'].includes(call.exe[0]);
  return [...(call.script?.env ?? []), ...call.env, ...(bare ? ['npx', ...call.exe] : call.exe)];
}

/** Why a narrowed command would run differently from the suite, or undefined. */
function rewriteHazard(call: RunnerCall): string | undefined {
  if (call.script?.hooks)
    return `the "${call.script.name}" script has pre/post hooks that only \`${call.script.call.join(' ')}\` runs`;
  return undefined;
}

/**
 * Chooses the command for a change. `full` is the suite command, `scripts` the worktree's package.json
 * scripts (to see through `npm test`).
 */
export function chooseTestCommand(
  full: string,
  scripts: Record<string, string> | undefined,
  facts: ChangeFacts,
): TestChoice {
  const fullSuite = (why: string): TestChoice => ({ command: full, selection: `full suite: ${why}` });
  const { changed, deleted } = facts;
  if (changed.length === 0) return fullSuite('the change names no file');
  const found = findRunner(full, scripts);
  if ('reason' in found) return fullSuite(found.reason);
  const { call } = found;
  const about = `related to ${listFiles(changed)}`;

  if (call.runner === 'go') {
    const packages = facts.goPackages();
    if (!packages) return fullSuite('no go.mod at the repository root to resolve packages with');
    const { flags, patterns } = splitRunnerArgs('go', call.args);
    const chosen = packages.filter((p) => inGoPackages(p, patterns));
    if (chosen.length === 0) return fullSuite(`no Go package with tests depends on ${listFiles(changed)}`);
    return {
      command: shellJoin([...runnerStart(call), ...flags, ...chosen]),
      selection: `${about}: packages ${listFiles(chosen)}`,
    };
  }

  const tests = facts.relatedTests();
  if (tests.length === 0) return fullSuite(`no test imports ${listFiles(changed)}`);
  if (tests.length > MAX_TEST_FILES) return fullSuite(`${tests.length} test files are related to the change`);
  const present = changed.filter((f) => !deleted.includes(f));

  if (call.runner === 'jest' || call.runner === 'vitest') {
    // These runners trace imports themselves (path aliases included); our graph only confirms some test is related.
    if (deleted.length) return fullSuite(`${call.runner} cannot trace tests from deleted ${listFiles(deleted)}`);
    const note = `${about}: ${call.runner === 'jest' ? 'jest --findRelatedTests' : 'vitest related'} (the import graph found ${listFiles(tests)})`;
    const hazard = rewriteHazard(call);
    if (call.runner === 'jest') {
      const extra = ['--findRelatedTests', ...present, '--passWithNoTests'];
      // Appended to the suite command as written (through npm after `--`, so npm hands them to the script),
      // which keeps the script's hooks; a script that calls another script is rewritten instead.
      if (!call.script) return { command: `${full} ${shellJoin(extra)}`, selection: note };
      if (!call.script.nested)
        return {
          command: `${full}${call.script.manager === 'npm' && !call.script.passesArgs ? ' --' : ''} ${shellJoin(extra)}`,
          selection: note,
        };
      if (hazard) return fullSuite(hazard);
      return { command: shellJoin([...runnerStart(call), ...call.args.map((w) => w.text), ...extra]), selection: note };
    }
    if (hazard) return fullSuite(hazard);
    const args = ['run', 'watch', 'dev'].includes(call.args[0]?.text) ? call.args.slice(1) : call.args;
    const { flags, patterns } = splitRunnerArgs('vitest', args);
    if (patterns.length)
      return fullSuite(`the vitest command selects its own files (${patterns.map((p) => p.text).join(' ')})`);
    return {
      command: shellJoin([...runnerStart(call), 'related', '--run', '--passWithNoTests', ...flags, ...present]),
      selection: note,
    };
  }

  const hazard = rewriteHazard(call);
  if (hazard) return fullSuite(hazard);
  const { flags, patterns } = splitRunnerArgs(call.runner, call.args);
  if (call.runner === 'pytest' && patterns.some((p) => p.text.includes('::')))
    return fullSuite('the pytest command selects single tests');
  const chosen = tests.filter((t) => inSuite(t, patterns));
  if (chosen.length === 0)
    return fullSuite(
      `no test that imports ${listFiles(changed)} is among the suite's files (${patterns.map((p) => p.text).join(' ')})`,
    );
  return {
    command: shellJoin([...runnerStart(call), ...flags, ...chosen]),
    selection: `${about}: ${listFiles(chosen)}`,
  };
}
