/**
 * The `check` tool and the edit results' diagnostics: the repository's static checks (check-command.ts) run in
 * the sandbox like the tests, and only what the change added is shown, compared with the base commit's own
 * diagnostics (saved once per base commit, from the fresh worktree, before any edit). The gate runs the same
 * comparison (review/checks via review-activities.ts).
 */
import type Anthropic from '@anthropic-ai/sdk';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runShell } from '../../test-runs/run-shell';
import { checkCommands } from './check-command';
import { type Diagnostic, diagnosticLine, newDiagnostics, parseDiagnostics } from './diagnostics';
import type { ToolOutcome } from '../editor-tool';

export const CHECK_TOOL: Anthropic.Tool = {
  name: 'check',
  description:
    "Runs the project's static checks (the type checker, e.g. tsc --noEmit with the project's tsconfig, and the linter when the project configures one: ESLint, ruff, mypy, go vet) " +
    'and returns the diagnostics your change introduced; those that existed before your change are not shown. The gate runs the same check: a new diagnostic fails the task. Takes no input.',
  input_schema: { type: 'object', properties: {} },
};

const MAX_SHOWN = 30;
const CHECK_TIMEOUT_MS = 5 * 60_000;

/** Where a base commit's diagnostics are kept for a run: one file per base commit. */
export const baseDiagnosticsFile = (runDir: string, baseSha: string) =>
  path.join(runDir, 'checks', `base-${baseSha}.json`);

/** Runs every check of the worktree (on `files` where a tool checks single files; the whole project when none) and parses what they report. */
export async function runStaticChecks(
  worktree: string,
  files: string[],
  logDir: string,
  label: string,
): Promise<{ diagnostics: Diagnostic[]; tools: string[] }> {
  const diagnostics: Diagnostic[] = [];
  const tools: string[] = [];
  for (const c of checkCommands(worktree)) {
    const log = path.join(logDir, `check-${label}-${c.tool.replace(/\W+/g, '-')}.log`);
    await runShell(c.command(files), worktree, log, { timeoutMs: CHECK_TIMEOUT_MS });
    tools.push(c.tool);
    diagnostics.push(...parseDiagnostics(c.tool, fs.readFileSync(log, 'utf8'), fs.realpathSync(worktree)));
  }
  return { diagnostics, tools };
}

/** The base commit's diagnostics, from `file`; undefined when they were never saved. */
export function readBaseDiagnostics(file: string): Diagnostic[] | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as Diagnostic[];
  } catch {
    return undefined;
  }
}

/** Saves the base commit's diagnostics from a worktree still at that commit, once per base commit (no-op when saved or when the project has no check). */
export async function saveBaseDiagnostics(worktree: string, file: string, logDir: string): Promise<void> {
  if (readBaseDiagnostics(file) || !checkCommands(worktree).length) return;
  const { diagnostics } = await runStaticChecks(worktree, [], logDir, 'base');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  // Tasks of a batch share a base commit: each writes its own temporary file, and the rename is atomic.
  const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(diagnostics));
  fs.renameSync(tmp, file);
}

/** What the change added: the diagnostics now (for `files`) beyond the base's. Without a saved base, every diagnostic in `files`. */
export async function changeDiagnostics(
  worktree: string,
  files: string[],
  baseFile: string,
  logDir: string,
  label: string,
): Promise<{ added: Diagnostic[]; tools: string[]; baseKnown: boolean }> {
  const { diagnostics, tools } = await runStaticChecks(worktree, files, logDir, label);
  const base = readBaseDiagnostics(baseFile);
  const inFiles = diagnostics.filter((d) => files.includes(d.file));
  return { added: newDiagnostics(base ? diagnostics : inFiles, base ?? []), tools, baseKnown: !!base };
}

const listed = (ds: Diagnostic[]) =>
  ds
    .slice(0, MAX_SHOWN)
    .map((d) => `- ${diagnosticLine(d)}`)
    .concat(ds.length > MAX_SHOWN ? [`- … ${ds.length - MAX_SHOWN} more`] : []);

/** The check tool for one worktree: `edited()` the files changed so far. */
export function makeCheckTool(o: { cwd: string; edited: () => string[]; baseFile: string; logDir: string }) {
  let calls = 0;
  return async (): Promise<ToolOutcome> => {
    if (!checkCommands(o.cwd).length)
      return {
        content:
          'This project configures no static check (no tsconfig.json, ESLint config, ruff/mypy config or go.mod): there is nothing to run; use run_tests.',
        isError: false,
      };
    const r = await changeDiagnostics(o.cwd, o.edited(), o.baseFile, o.logDir, `tool-${++calls}`);
    const ran = `Ran: ${r.tools.join(', ')}${r.baseKnown ? ', compared with the base commit' : " (the base commit's diagnostics are unknown: every diagnostic in the files you edited is shown)"}.`;
    if (!r.added.length) return { content: `${ran}\nNo new diagnostics.`, isError: false };
    return {
      content: [
        ran,
        `${r.added.length} new diagnostic${r.added.length === 1 ? '' : 's'} (the gate refuses the change until they are fixed):`,
        ...listed(r.added),
      ].join('\n'),
      isError: true,
    };
  };
}

/** What an edit result adds: the new diagnostics in the file just edited, or nothing. */
export async function diagnosticsAfterEdit(o: {
  cwd: string;
  file: string;
  baseFile: string;
  logDir: string;
  label: string;
}): Promise<string> {
  if (!checkCommands(o.cwd).length) return '';
  const r = await changeDiagnostics(o.cwd, [o.file], o.baseFile, o.logDir, o.label);
  const here = r.added.filter((d) => d.file === o.file);
  if (!here.length) return '';
  return [
    '',
    `The check (${r.tools.join(', ')}) now reports ${here.length} new problem${here.length === 1 ? '' : 's'} in ${o.file}; fix ${here.length === 1 ? 'it' : 'them'} before you finish:`,
    ...listed(here),
  ].join('\n');
}
