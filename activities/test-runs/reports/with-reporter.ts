import * as path from 'node:path';
import { shellJoin, type ShellWord, splitCommand } from '../../test-selection/shell-words';
import { findRunner, type RunnerCall, type RunnerName, splitRunnerArgs } from '../../test-selection/test-runner';
import { type TestRef } from './results';

/**
 * Rewrites a suite command so the runner also writes machine-readable results through its own reporter
 * (jest/vitest JSON, node:test events, pytest JUnit XML, go test -json, mocha JSON; cargo is read from its
 * standard output), and optionally so it runs only some tests (re-runs of failures). Works through
 * `npm test` / `npm run x` / yarn / pnpm scripts the way narrow-tests.ts does: flags go after `--` when
 * the runner takes flags anywhere; runners that need flags before their files (node) are rewritten to the
 * runner's own command, which a script with pre/post hooks forbids. Pure.
 */

export type ReportFormat =
  'jest-json' | 'vitest-json' | 'node-events' | 'junit' | 'go-json' | 'mocha-json' | 'cargo-text';
export type ReportRunner = RunnerName | 'cargo';

export interface ReporterPlan {
  /** The command to run. When no report can be had, the command as given. */
  command: string;
  runner?: ReportRunner;
  /** How to read the results; absent: no report, judge by the output text. */
  format?: ReportFormat;
  /** Where the report is written; absent when the results are the command's own output (go, cargo). */
  reportFile?: string;
  /** Why there is no report or filter, in words for the evidence. */
  note?: string;
}

export interface ReporterOptions {
  /** The node:test reporter module (see node-reporter.ts); default: next to `outFile`. */
  nodeReporter?: string;
}

/** The node:test reporter's path for a report file: in the same folder. */
export const nodeReporterFor = (outFile: string) => path.join(path.dirname(outFile), 'flotilla-node-reporter.mjs');

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const anyOf = (names: string[]) => `^(?:${[...new Set(names)].map(escapeRegExp).join('|')})$`;

/** The words that start the runner; a bare package binary reached through a script gets `npx`. */
function runnerStart(call: RunnerCall): string[] {
  const bare = call.script && ['jest', 'vitest', 'mocha', '_mocha'].includes(call.exe[0]);
  return [...(call.script?.env ?? []), ...call.env, ...(bare ? ['npx', ...call.exe] : call.exe)];
}

type Built = { command: string } | { reason: string };

/** `extra` after the suite command as written (after `--` through npm), else the runner's own command with `extra` last. */
function append(full: string, call: RunnerCall, extra: string[]): Built {
  if (!call.script) return { command: `${full} ${shellJoin(extra)}` };
  if (!call.script.nested)
    return {
      command: `${full}${call.script.manager === 'npm' && !call.script.passesArgs ? ' --' : ''} ${shellJoin(extra)}`,
    };
  if (call.script.hooks)
    return { reason: `the "${call.script.name}" script calls another script and has pre/post hooks` };
  return { command: shellJoin([...runnerStart(call), ...call.args, ...extra]) };
}

/** The runner's own command, rebuilt from `words` (after `exe`); refused when a script's hooks would be lost. */
function rewrite(call: RunnerCall, words: Array<string | ShellWord>): Built {
  if (call.script?.hooks)
    return {
      reason: `the "${call.script.name}" script has pre/post hooks that only \`${call.script.call.join(' ')}\` runs, and ${call.runner} needs its flags before its files`,
    };
  return { command: shellJoin([...runnerStart(call), ...words]) };
}

/** `cargo test …` / `cargo nextest run …` (after NAME=value words), which test-runner.ts does not know. */
function cargoCall(command: string): { words: string[] } | undefined {
  const words = splitCommand(command)?.map((w) => w.text);
  if (!words) return undefined;
  let i = 0;
  while (i < words.length && /^[A-Za-z_][A-Za-z0-9_]*=/.test(words[i])) i++;
  if (words[i] !== 'cargo') return undefined;
  let j = i + 1;
  while (j < words.length && words[j].startsWith('+')) j++; // toolchain
  if (words[j] === 'test' || (words[j] === 'nextest' && words[j + 1] === 'run')) return { words };
  return undefined;
}

/** Node's reporter flags: keep the command's own reporters (giving them stdout when they had no destination), add ours. */
function nodeReporterFlags(flags: string[], reporter: string, outFile: string): string[] | undefined {
  const count = (name: string) => flags.filter((f) => f === name || f.startsWith(`${name}=`)).length;
  const reporters = count('--test-reporter');
  const destinations = count('--test-reporter-destination');
  const ours = [`--test-reporter=${reporter}`, `--test-reporter-destination=${outFile}`];
  if (reporters === 0) return ['--test-reporter=spec', '--test-reporter-destination=stdout', ...ours];
  if (destinations === 0)
    return [...Array.from({ length: reporters }, () => '--test-reporter-destination=stdout'), ...ours];
  if (destinations === reporters) return ours;
  return undefined;
}

/**
 * The command that runs `command` with its runner's machine-readable reporter writing to `outFile`
 * (an absolute path outside the worktree), and when `only` is given, runs just those tests and files
 * with the runner's own filter. `scripts` are the worktree's package.json scripts.
 */
export function planRun(
  command: string,
  scripts: Record<string, string> | undefined,
  outFile: string,
  only?: TestRef[],
  opts: ReporterOptions = {},
): ReporterPlan {
  const none = (note: string): ReporterPlan => ({ command, note });
  const cargo = cargoCall(command);
  if (cargo) {
    if (!only?.length) return { command, runner: 'cargo', format: 'cargo-text' };
    const names = only.filter((r) => r.name !== undefined).map((r) => r.name!);
    if (names.length !== only.length)
      return {
        command,
        runner: 'cargo',
        format: 'cargo-text',
        note: 'cargo cannot re-run a target that did not compile on its own',
      };
    const dash = cargo.words.indexOf('--');
    const words =
      dash < 0
        ? [...cargo.words, '--', '--exact', ...names]
        : [
            ...cargo.words.slice(0, dash + 1),
            '--exact',
            ...cargo.words.slice(dash + 1).filter((w) => w.startsWith('-')),
            ...names,
          ];
    return { command: shellJoin(words), runner: 'cargo', format: 'cargo-text' };
  }
  const found = findRunner(command, scripts);
  if ('reason' in found) return none(`no machine-readable report: ${found.reason}`);
  const { call } = found;
  const files = [...new Set((only ?? []).map((r) => r.file))];
  const wholeFile = (only ?? []).some((r) => r.name === undefined);
  const titles = (only ?? []).filter((r) => r.name !== undefined).map((r) => r.name!);
  const done = (built: Built, format: ReportFormat, reportFile?: string): ReporterPlan =>
    'reason' in built
      ? none(`no machine-readable report: ${built.reason}`)
      : { command: built.command, runner: call.runner, format, ...(reportFile ? { reportFile } : {}) };

  switch (call.runner) {
    case 'jest': {
      const filter = only?.length
        ? [...files.map(escapeRegExp), ...(wholeFile ? [] : ['-t', anyOf(titles.map((t) => t.split(' › ').join(' ')))])]
        : [];
      return done(append(command, call, ['--json', `--outputFile=${outFile}`, ...filter]), 'jest-json', outFile);
    }
    case 'vitest': {
      const filter = only?.length
        ? [...files, ...(wholeFile ? [] : ['-t', anyOf(titles.map((t) => t.split(' › ').join(' ')))])]
        : [];
      return done(
        append(command, call, ['--reporter=default', '--reporter=json', `--outputFile.json=${outFile}`, ...filter]),
        'vitest-json',
        outFile,
      );
    }
    case 'mocha': {
      const filter = only?.length && !wholeFile ? ['--grep', anyOf(titles)] : [];
      return done(
        append(command, call, ['--reporter', 'json', '--reporter-option', `output=${outFile}`, ...filter]),
        'mocha-json',
        outFile,
      );
    }
    case 'pytest': {
      const report = [`--junitxml=${outFile}`, '-o', 'junit_family=xunit1'];
      if (!only?.length) return done(append(command, call, report), 'junit', outFile);
      const { flags, patterns } = splitRunnerArgs('pytest', call.args);
      const ids = only.map((r) => (r.name === undefined ? r.file : `${r.file}::${r.name}`));
      void patterns; // the failing tests replace the suite's own file patterns
      return done(
        rewrite(call, [...flags.filter((f, i) => f !== '-k' && flags[i - 1] !== '-k'), ...report, ...ids]),
        'junit',
        outFile,
      );
    }
    case 'go': {
      if (!only?.length) return done(append(command, call, ['-json']), 'go-json');
      const { flags } = splitRunnerArgs('go', call.args);
      const kept = flags.filter(
        (f, i) =>
          !/^--?run(=|$)/.test(f) &&
          !/^--?run$/.test(flags[i - 1] ?? '') &&
          !/^--?count(=|$)/.test(f) &&
          !/^--?count$/.test(flags[i - 1] ?? ''),
      );
      const tops = [...new Set(titles.map((t) => t.split('/')[0]))];
      return done(
        rewrite(call, [...kept, '-json', '-count=1', ...(wholeFile ? [] : ['-run', anyOf(tops)]), ...files]),
        'go-json',
      );
    }
    case 'node': {
      const reporter = opts.nodeReporter ?? nodeReporterFor(outFile);
      const { flags, patterns } = splitRunnerArgs('node', call.args);
      const extra = nodeReporterFlags(flags, reporter, outFile);
      if (!extra)
        return none('no machine-readable report: the node command gives some reporters a destination and not others');
      if (!only?.length) return done(rewrite(call, [...extra, ...call.args]), 'node-events', outFile);
      const kept = flags.filter(
        (f, i) => !/^--test-name-pattern(=|$)/.test(f) && flags[i - 1] !== '--test-name-pattern',
      );
      const names = wholeFile ? [] : titles.flatMap((t) => t.split(' › '));
      void patterns;
      return done(
        rewrite(call, [...extra, ...kept, ...(names.length ? [`--test-name-pattern=${anyOf(names)}`] : []), ...files]),
        'node-events',
        outFile,
      );
    }
  }
}

/** `command` with its runner's machine-readable reporter writing to `outFile` (see planRun). */
export function withReporter(
  command: string,
  scripts: Record<string, string> | undefined,
  outFile: string,
  opts: ReporterOptions = {},
): ReporterPlan {
  return planRun(command, scripts, outFile, undefined, opts);
}

/** `command` narrowed to the tests and files in `only`, with the reporter (see planRun). */
export function rerunCommand(
  command: string,
  scripts: Record<string, string> | undefined,
  outFile: string,
  only: TestRef[],
  opts: ReporterOptions = {},
): ReporterPlan {
  return planRun(command, scripts, outFile, only, opts);
}
