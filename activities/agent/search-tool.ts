import type Anthropic from '@anthropic-ai/sdk';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ToolOutcome } from './editor-tool';
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

export const SEARCH_TOOL: Anthropic.Tool = {
  name: 'search',
  description:
    'Read-only search of the repository (skips .git and node_modules). command "files": list the files whose path matches the glob `pattern` ' +
    '(e.g. "src/**/*.ts"; a pattern without "/" matches file names at any depth, e.g. "*.test.js"). command "grep": the lines matching the ' +
    'JavaScript regular expression `pattern` as path:line: text, optionally only in files matching the glob `include`. Output is capped; narrow the pattern when it says truncated.',
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

function grep(root: string, re: RegExp, files: string[]): { lines: string[]; more: boolean } {
  const lines: string[] = [];
  for (const rel of files) {
    const text = readText(path.join(root, rel));
    if (text === null) continue;
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
  if (typeof input.pattern !== 'string' || !input.pattern) return { content: 'Error: pattern is required', isError: true };
  if (input.command === 'files') {
    const re = pathPattern(input.pattern);
    const hits = listFiles(root).filter((f) => re.test(f));
    return { content: hits.length ? bounded(hits, false) : `No files match ${input.pattern}.`, isError: false };
  }
  if (input.command === 'grep') {
    let re: RegExp;
    try {
      re = new RegExp(input.pattern, input.ignore_case ? 'i' : '');
    } catch (err) {
      return { content: `Error: invalid regular expression: ${(err as Error).message}`, isError: true };
    }
    const only = input.include ? pathPattern(input.include) : null;
    const { lines, more } = grep(root, re, listFiles(root).filter((f) => !only || only.test(f)));
    return { content: lines.length ? bounded(lines, more) : `No lines match /${input.pattern}/.`, isError: false };
  }
  return { content: `Error: unknown command ${String(input.command)}; use files or grep`, isError: true };
}
