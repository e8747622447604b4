import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readPackageJson } from '../activities/package-json';
import { runAnalyser } from './sandboxed-analyser';
import { type Finding } from './types';

/** What the repository's own linters found, and a note per linter on what ran or why it was skipped. */
export interface LinterResult {
  findings: Finding[];
  notes: string[];
}

const ESLINT_CONFIGS = [
  'eslint.config.js',
  'eslint.config.mjs',
  'eslint.config.cjs',
  'eslint.config.ts',
  'eslint.config.mts',
  'eslint.config.cts',
  '.eslintrc',
  '.eslintrc.js',
  '.eslintrc.cjs',
  '.eslintrc.json',
  '.eslintrc.yml',
  '.eslintrc.yaml',
];

const rel = (repo: string, file: string) => path.relative(repo, path.resolve(repo, file)).split(path.sep).join('/');

/** Findings from `eslint --format json` output (files outside the repository are ignored). */
export function parseEslintJson(repo: string, json: string): Finding[] {
  const results = JSON.parse(json) as {
    filePath: string;
    messages: { ruleId: string | null; severity: number; message: string; line?: number }[];
  }[];
  const out: Finding[] = [];
  for (const r of results) {
    const file = rel(repo, r.filePath);
    if (file.startsWith('..')) continue;
    for (const m of r.messages) {
      if (!m.ruleId) continue; // parse errors and "file ignored" warnings are not lint work
      out.push({
        kind: 'lint',
        file,
        line: m.line ?? 1,
        message: `${m.message.trim()} (${m.ruleId}${m.severity === 2 ? '' : ', warning'})`,
        rule: `eslint:${m.ruleId}`,
      });
    }
  }
  return out;
}

/** Findings from `ruff check --output-format json` output. */
export function parseRuffJson(repo: string, json: string): Finding[] {
  const results = JSON.parse(json) as {
    code: string | null;
    message: string;
    filename: string;
    location?: { row: number };
  }[];
  return results
    .filter((r) => !rel(repo, r.filename).startsWith('..'))
    .map((r) => ({
      kind: 'lint' as const,
      file: rel(repo, r.filename),
      line: r.location?.row ?? 1,
      message: `${r.message.trim()} (${r.code ?? 'ruff'})`,
      rule: `ruff:${r.code ?? 'unknown'}`,
    }));
}

/** The repository's ESLint config file, if it has one. */
export function eslintConfigOf(repo: string): string | null {
  const found = ESLINT_CONFIGS.find((f) => fs.existsSync(path.join(repo, f)));
  if (found) return found;
  return readPackageJson(repo)?.eslintConfig ? 'package.json (eslintConfig)' : null;
}

/** Runs the repository's ESLint (its own binary and config) with JSON output, sandboxed; skipped when either is missing, or without the sandbox. */
export function runEslint(repo: string, timeoutMs = 180_000): LinterResult {
  const config = eslintConfigOf(repo);
  if (!config) return { findings: [], notes: ['ESLint: skipped (no ESLint config in the repository)'] };
  const bin = path.join(repo, 'node_modules', '.bin', process.platform === 'win32' ? 'eslint.cmd' : 'eslint');
  if (!fs.existsSync(bin))
    return {
      findings: [],
      notes: [`ESLint: skipped (${config} found, but node_modules/.bin/eslint is not installed)`],
    };
  const r = runAnalyser(repo, bin, ['--format', 'json', '.'], timeoutMs);
  if (!r.ran) return { findings: [], notes: [`ESLint: skipped (${r.reason})`] };
  // Exit 0: clean, 1: lint errors (JSON on stdout), 2: ESLint itself failed (bad config, crash).
  if (r.error || (r.status !== 0 && r.status !== 1)) {
    const why = r.error?.message ?? (r.stderr || '').trim().split('\n')[0] ?? `exit ${r.status}`;
    return { findings: [], notes: [`ESLint: skipped (it failed: ${why.slice(0, 200)})`] };
  }
  try {
    const findings = parseEslintJson(repo, r.stdout);
    return { findings, notes: [`ESLint: ${findings.length} finding(s) with ${config}`] };
  } catch (err) {
    return {
      findings: [],
      notes: [`ESLint: skipped (its output is not JSON: ${(err as Error).message.slice(0, 120)})`],
    };
  }
}

/** The ruff binary: the repository's virtualenv's, else one on PATH. */
function ruffBinary(repo: string): string | null {
  for (const venv of ['.venv', 'venv']) {
    const p = path.join(repo, venv, 'bin', 'ruff');
    if (fs.existsSync(p)) return p;
  }
  try {
    execFileSync('ruff', ['--version'], { stdio: 'ignore', timeout: 10_000 });
    return 'ruff';
  } catch {
    return null;
  }
}

/** Runs ruff over the repository's Python files with JSON output, sandboxed; skipped without Python files, ruff or the sandbox. */
export function runRuff(repo: string, pythonFiles: number, timeoutMs = 180_000): LinterResult {
  if (!pythonFiles) return { findings: [], notes: [] };
  const bin = ruffBinary(repo);
  if (!bin)
    return { findings: [], notes: ['ruff: skipped (not installed; Python files are only scanned for TODO/FIXME)'] };
  // --no-cache: the repository is read-only in the sandbox.
  const r = runAnalyser(repo, bin, ['check', '--output-format', 'json', '--exit-zero', '--no-cache', '.'], timeoutMs);
  if (!r.ran) return { findings: [], notes: [`ruff: skipped (${r.reason})`] };
  if (r.error || r.status !== 0)
    return {
      findings: [],
      notes: [
        `ruff: skipped (it failed: ${(r.error?.message ?? (r.stderr || '').trim().split('\n')[0]).slice(0, 200)})`,
      ],
    };
  try {
    const findings = parseRuffJson(repo, r.stdout);
    return { findings, notes: [`ruff: ${findings.length} finding(s)`] };
  } catch (err) {
    return { findings: [], notes: [`ruff: skipped (its output is not JSON: ${(err as Error).message.slice(0, 120)})`] };
  }
}
