import type Anthropic from '@anthropic-ai/sdk';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ToolOutcome } from './editor-tool';
import { RE2JS } from 're2js';
import { listFiles, pathPattern } from '../git/worktree-files';

export interface SearchInput {
  command?: string;
  pattern?: string;
  include?: string;
  ignore_case?: boolean;
}

const MAX_RESULTS = 200;
const MAX_CHARS = 8_000;
const MAX_LINE = 300;
const MAX_FILE_BYTES = 1_000_000;
/** A grep stops (and says it was truncated) after reading this much text or running this long. */
const MAX_SCANNED_BYTES = 64_000_000;
const MAX_GREP_MS = 10_000;

/** What the search tool matches with: RE2 (linear time in the text, whatever the pattern), never a backtracking RegExp. */
interface Matcher {
  test(text: string): boolean;
}

/**
 * A model-supplied JavaScript regular expression, compiled for RE2 (re2js): matching takes time linear in the
 * text, so a pattern like `^(a+)+$` cannot stall the worker. Lookaround and backreferences have no linear-time
 * equivalent and are refused with a message the model can act on.
 */
export function linearRegex(pattern: string, ignoreCase = false): Matcher {
  if (/\\(?:[1-9]|k<)/.test(pattern))
    throw new Error('backreferences (\\1, \\k<name>) are not supported; search for the text itself');
  const translated = RE2JS.translateRegExp(pattern);
  return RE2JS.compile(translated, ignoreCase ? RE2JS.CASE_INSENSITIVE : 0);
}

/** A glob (see pathPattern) compiled for RE2 as well: a glob like `*a*a*a*a*b` backtracks badly in RegExp. */
function linearGlob(glob: string): Matcher {
  return RE2JS.compile(pathPattern(glob).source);
}

export const SEARCH_TOOL: Anthropic.Tool = {
  name: 'search',
  description:
    'Read-only search of the repository (skips .git and node_modules). command "files": list the files whose path matches the glob `pattern` ' +
    '(e.g. "src/**/*.ts"; a pattern without "/" matches file names at any depth, e.g. "*.test.js"). command "grep": the lines matching the ' +
    'regular expression `pattern` (JavaScript syntax, run by a linear-time RE2 engine: no lookaround or backreferences) as path:line: text, optionally only in files matching the glob `include`. Output is capped; narrow the pattern when it says truncated.',
  input_schema: {
    type: 'object',
    properties: {
      command: { type: 'string', enum: ['files', 'grep'] },
      pattern: { type: 'string', description: 'A glob for files, a regular expression for grep.' },
      include: { type: 'string', description: 'grep only: a glob restricting which files are searched.' },
      ignore_case: { type: 'boolean', description: 'grep only: case-insensitive match.' },
    },
    required: ['command', 'pattern'],
  },
};

/** Caps a list of result lines by count and characters, saying so when it cut. */
function bounded(lines: string[], more: boolean): string {
  let text = '';
  let shown = 0;
  for (const line of lines.slice(0, MAX_RESULTS)) {
    if (text.length + line.length + 1 > MAX_CHARS) break;
    text += (shown ? '\n' : '') + line;
    shown++;
  }
  return shown < lines.length || more ? `${text}\n… (truncated after ${shown} results; narrow the pattern)` : text;
}

function readText(abs: string): string | null {
  try {
    if (fs.statSync(abs).size > MAX_FILE_BYTES) return null;
    const buf = fs.readFileSync(abs);
    return buf.subarray(0, 8000).includes(0) ? null : buf.toString('utf8');
  } catch {
    return null;
  }
}

function grep(root: string, re: Matcher, files: string[]): { lines: string[]; more: boolean } {
  const lines: string[] = [];
  const started = Date.now();
  let scanned = 0;
  for (const rel of files) {
    const text = readText(path.join(root, rel));
    if (text === null) continue;
    scanned += text.length;
    if (scanned > MAX_SCANNED_BYTES || Date.now() - started > MAX_GREP_MS) return { lines, more: true };
    const rows = text.split('\n');
    for (let i = 0; i < rows.length; i++) {
      if (!re.test(rows[i])) continue;
      const row = rows[i].length > MAX_LINE ? rows[i].slice(0, MAX_LINE) + '…' : rows[i];
      lines.push(`${rel}:${i + 1}: ${row}`);
      if (lines.length > MAX_RESULTS) return { lines, more: true };
    }
  }
  return { lines, more: false };
}

/** The search tool, confined to one worktree: it lists and reads only regular files under it, never follows symlinks, never writes. */
export function runSearch(root: string, input: SearchInput): ToolOutcome {
  if (typeof input.pattern !== 'string' || !input.pattern)
    return { content: 'Error: pattern is required', isError: true };
  if (input.command === 'files') {
    let re: Matcher;
    try {
      re = linearGlob(input.pattern);
    } catch (err) {
      return { content: `Error: invalid glob: ${(err as Error).message}`, isError: true };
    }
    const hits = listFiles(root).filter((f) => re.test(f));
    return { content: hits.length ? bounded(hits, false) : `No files match ${input.pattern}.`, isError: false };
  }
  if (input.command === 'grep') {
    let re: Matcher;
    let only: Matcher | null;
    try {
      re = linearRegex(input.pattern, input.ignore_case === true);
    } catch (err) {
      return {
        content: `Error: invalid regular expression (RE2 syntax: no lookaround or backreferences): ${(err as Error).message}`,
        isError: true,
      };
    }
    try {
      only = input.include ? linearGlob(input.include) : null;
    } catch (err) {
      return { content: `Error: invalid include glob: ${(err as Error).message}`, isError: true };
    }
    const { lines, more } = grep(
      root,
      re,
      listFiles(root).filter((f) => !only || only.test(f)),
    );
    return { content: lines.length ? bounded(lines, more) : `No lines match /${input.pattern}/.`, isError: false };
  }
  return { content: `Error: unknown command ${String(input.command)}; use files or grep`, isError: true };
}
