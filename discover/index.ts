import * as fs from 'node:fs';
import * as path from 'node:path';
import type { TaskProblem } from '../planner/types';
import { groupFindings, type RepoFacts } from './group';
import { buildImportGraph, importersOf, relatedTests, testCommandFor } from './imports';
import { runEslint, runRuff } from './linters';
import { isSourceFile, listRepoFiles, PYTHON } from './repo-files';
import { assignIds, checkWithPlanner, readExistingTasks, type SelectOptions } from './task-files';
import { analyseTypeScript, scanTodos } from './ts-analysis';
import { type Finding, type NewTaskFile, type TaskDraft } from './types';

export * from './types';
export { groupFindings, riskOf, keyOf, MANY_IMPORTERS } from './group';
export {
  readExistingTasks,
  assignIds,
  renderTaskFile,
  checkWithPlanner,
  writeTaskFiles,
  KEY_FIELD,
} from './task-files';
export { analyseTypeScript, scanTodos, missingDocs, typeFindings } from './ts-analysis';
export { parseEslintJson, parseRuffJson, runEslint, runRuff } from './linters';
export { buildImportGraph, importersOf, relatedTests, testCommandFor } from './imports';
export { listRepoFiles, isTestFile, isSourceFile } from './repo-files';

const MAX_SOURCE_BYTES = 512 * 1024;

function isSmallFile(file: string): boolean {
  try {
    const st = fs.lstatSync(file);
    return st.isFile() && st.size <= MAX_SOURCE_BYTES;
  } catch {
    return false;
  }
}

/** Everything the analysers learned about a repository. */
export interface Analysis {
  /** The repository's files (repo-relative, without dependencies, build output and tasks/). */
  files: string[];
  findings: Finding[];
  /** What ran or was skipped (linters), for the summary. */
  notes: string[];
  facts: RepoFacts;
  /** One draft per file and kind of finding, in a stable order. */
  drafts: TaskDraft[];
}

/** Facts about the repository's files: importers and related tests (from a static import scan) and its test runner. */
export function repoFacts(repo: string, files: string[]): RepoFacts {
  const graph = buildImportGraph(repo, files);
  return {
    importers: (f) => importersOf(graph, f),
    testFiles: (f) => relatedTests(graph, f, files),
    testCommand: (tests) => testCommandFor(repo, tests) ?? undefined,
    hasTsconfig: fs.existsSync(path.join(repo, 'tsconfig.json')),
  };
}

/** Runs every offline analyser over the repository (and its own linters, unless `linters` is false). */
export function analyseRepository(repo: string, opts: { linters?: boolean } = {}): Analysis {
  const files = listRepoFiles(repo);
  // Generated bundles and minified files are not hand-written code: skip anything over 512 KB.
  // Regular files only (a link to /dev/zero or a FIFO is no source: lstat, not stat).
  const sources = files.filter((f) => isSourceFile(f) && isSmallFile(path.join(repo, f)));
  const findings: Finding[] = [...analyseTypeScript(repo, sources), ...scanTodos(repo, sources)];
  const notes: string[] = [];
  if (opts.linters !== false) {
    for (const r of [runEslint(repo), runRuff(repo, sources.filter((f) => PYTHON.test(f)).length)]) {
      findings.push(...r.findings.filter((f) => files.includes(f.file)));
      notes.push(...r.notes);
    }
  }
  const facts = repoFacts(repo, files);
  return { files, findings, notes, facts, drafts: groupFindings(findings, facts) };
}

/** The new task files for some drafts: ids assigned, known keys skipped, and checked by the planner. */
export interface Prepared {
  files: NewTaskFile[];
  skippedExisting: TaskDraft[];
  skippedByLimit: TaskDraft[];
  /** What the planner has against the new files (must be empty before anything is written). */
  problems: TaskProblem[];
}

export function prepareTaskFiles(
  repo: string,
  drafts: TaskDraft[],
  repoFiles: string[],
  opts: SelectOptions = {},
): Prepared {
  const existing = readExistingTasks(repo);
  const selected = assignIds(drafts, existing, opts);
  const { problems } = checkWithPlanner(path.basename(repo), existing.files, selected.files, new Set(repoFiles));
  return { ...selected, problems };
}

/** The summary: counts by category and risk, the linters' notes, and the next command. */
export function summaryLines(
  repo: string,
  prepared: Prepared,
  notes: string[],
  opts: { dryRun?: boolean; findings?: number } = {},
): string[] {
  const out: string[] = [];
  const written = prepared.files;
  const verb = opts.dryRun ? 'Would write' : 'Wrote';
  const range = written.length
    ? ` (${written[0].id}${written.length > 1 ? ` … ${written[written.length - 1].id}` : ''})`
    : '';
  out.push(
    `${opts.findings !== undefined ? `${opts.findings} finding(s) in ${written.length + prepared.skippedExisting.length + prepared.skippedByLimit.length} group(s). ` : ''}${verb} ${written.length} task file(s)${range} in ${path.join(repo, 'tasks')}.`,
  );
  if (prepared.skippedExisting.length)
    out.push(`Skipped ${prepared.skippedExisting.length} already in tasks/ or tasks/archive/ (same discover-key).`);
  if (prepared.skippedByLimit.length)
    out.push(`Left out ${prepared.skippedByLimit.length} over --max (run again to add them).`);
  if (written.length) {
    const cats = [...new Set(written.map((f) => f.draft.category))].sort();
    const count = (c: string, r?: string) =>
      written.filter((f) => f.draft.category === c && (!r || f.draft.risk === r)).length;
    const w = Math.max(8, ...cats.map((c) => c.length));
    out.push('', `  ${'category'.padEnd(w)}  low  medium  high  total`);
    for (const c of cats)
      out.push(
        `  ${c.padEnd(w)}  ${String(count(c, 'low')).padStart(3)}  ${String(count(c, 'medium')).padStart(6)}  ${String(count(c, 'high')).padStart(4)}  ${String(count(c)).padStart(5)}`,
      );
    const all = (r: string) => written.filter((f) => f.draft.risk === r).length;
    out.push(
      `  ${'all'.padEnd(w)}  ${String(all('low')).padStart(3)}  ${String(all('medium')).padStart(6)}  ${String(all('high')).padStart(4)}  ${String(written.length).padStart(5)}`,
      '',
    );
  }
  for (const n of notes) out.push(`Note: ${n}`);
  out.push(
    opts.dryRun
      ? `Next: flotilla discover --repo ${repo} (without --dry-run) to write them, then flotilla plan --repo ${repo}`
      : `Next: flotilla plan --repo ${repo}   (commit tasks/ before flotilla run)`,
  );
  return out;
}
