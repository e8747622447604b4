/**
 * Type-checker and linter diagnostics read from their output, and the new ones: those a change added, compared
 * with the base by file, code and message (not line: an edit moves lines). Pure.
 */

export interface Diagnostic {
  file: string;
  line: number;
  col?: number;
  /** TS2322, E501, no-unused-vars… when the tool gives one. */
  code?: string;
  message: string;
  tool: string;
}

const TSC = /^(.+?)\((\d+),(\d+)\): error (TS\d+): (.+)$/;
/** ESLint --format unix: `file:line:col: message [Error/rule]`. */
const ESLINT = /^(.+?):(\d+):(\d+): (.+?) \[(?:Error|Warning)\/([^\]]+)\]$/;
/** ruff --output-format concise: `file:line:col: CODE message`. */
const RUFF = /^(.+?):(\d+):(\d+): ([A-Z]+\d+) (.+)$/;
/** mypy: `file:line: error: message  [code]`. */
const MYPY = /^(.+?):(\d+): error: (.+?)(?:\s+\[([\w-]+)\])?$/;
/** go vet: `file:line:col: message` (maybe after `vet: `). */
const GO = /^(?:vet: )?(.+?\.go):(\d+):(\d+): (.+)$/;

/** The diagnostics in a tool's output, paths relative to the worktree. */
export function parseDiagnostics(tool: string, output: string, cwd?: string): Diagnostic[] {
  const out: Diagnostic[] = [];
  const rel = (f: string) => (cwd && f.startsWith(`${cwd}/`) ? f.slice(cwd.length + 1) : f).replace(/^\.\//, '');
  for (const raw of output.replace(/\x1b\[[0-9;]*m/g, '').split(/\r?\n/)) {
    const line = raw.trim();
    let m: RegExpExecArray | null;
    if (tool === 'tsc' && (m = TSC.exec(line)))
      out.push({ tool, file: rel(m[1]), line: +m[2], col: +m[3], code: m[4], message: m[5] });
    else if (tool === 'eslint' && (m = ESLINT.exec(line)))
      out.push({ tool, file: rel(m[1]), line: +m[2], col: +m[3], code: m[5], message: m[4] });
    else if (tool === 'ruff' && (m = RUFF.exec(line)))
      out.push({ tool, file: rel(m[1]), line: +m[2], col: +m[3], code: m[4], message: m[5] });
    else if (tool === 'mypy' && (m = MYPY.exec(line)))
      out.push({ tool, file: rel(m[1]), line: +m[2], message: m[3], ...(m[4] ? { code: m[4] } : {}) });
    else if (tool === 'go vet' && (m = GO.exec(line)))
      out.push({ tool, file: rel(m[1]), line: +m[2], col: +m[3], message: m[4] });
  }
  return out;
}

const keyOf = (d: Diagnostic) => `${d.tool}\u0000${d.file}\u0000${d.code ?? ''}\u0000${d.message}`;

/** The diagnostics of `now` beyond those of `base` (counted per file, code and message). */
export function newDiagnostics(now: Diagnostic[], base: Diagnostic[]): Diagnostic[] {
  const left = new Map<string, number>();
  for (const d of base) left.set(keyOf(d), (left.get(keyOf(d)) ?? 0) + 1);
  return now.filter((d) => {
    const n = left.get(keyOf(d)) ?? 0;
    if (n > 0) left.set(keyOf(d), n - 1);
    return n === 0;
  });
}

/** One diagnostic as the model and the gate name it: `src/a.ts:3:7 TS2322 Type … (tsc)`. */
export const diagnosticLine = (d: Diagnostic) =>
  `${d.file}:${d.line}${d.col ? `:${d.col}` : ''} ${d.code ? `${d.code} ` : ''}${d.message} (${d.tool})`;
