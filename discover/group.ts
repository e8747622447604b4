import type { Risk } from '../planner/types';
import { CATEGORY_OF, type Finding, type FindingKind, type TaskDraft } from './types';

/** This many importers or more make a file's change riskier ("many importers"). */
export const MANY_IMPORTERS = 5;
/** Lines listed in a description at most; the rest are counted. */
const MAX_LISTED = 60;

export const KIND_ORDER: FindingKind[] = ['dead-code', 'types', 'lint', 'fixme', 'todo', 'docs'];
const RISKS: Risk[] = ['low', 'medium', 'high'];

/** What the grouping needs to know about the repository. */
export interface RepoFacts {
  /** Files importing this one directly. */
  importers(file: string): string[];
  /** The test files related to this file (test files importing it, or the file itself when it is a test). */
  testFiles(file: string): string[];
  /** The command that runs these test files, when the repository's runner is known. */
  testCommand(testFiles: string[]): string | undefined;
  /** The repository has a tsconfig.json (so `npx tsc --noEmit` is a check). */
  hasTsconfig: boolean;
}

/** The stable key of a finding group: kind and file, e.g. `docs:src/parser.ts`. */
export const keyOf = (kind: FindingKind, file: string) => `${kind}:${file}`;

/**
 * Risk from the blast radius: doc comments cannot break anything (low); otherwise each of "touches the
 * exported API", "many importers" and "changes behaviour by nature" (TODO/FIXME work) raises it a step.
 */
export function riskOf(kind: FindingKind, findings: Finding[], importers: number): { risk: Risk; reason: string } {
  const why: string[] = [];
  if (kind === 'docs')
    return {
      risk: 'low',
      reason: `comments only${importers ? `; ${importers} importer${importers === 1 ? '' : 's'}` : ''}`,
    };
  let score = 0;
  if (kind === 'todo' || kind === 'fixme') {
    score++;
    why.push('may change behaviour');
  }
  if (findings.some((f) => f.exported)) {
    score++;
    why.push('touches the exported API');
  }
  if (importers >= MANY_IMPORTERS) {
    score++;
    why.push(`${importers} importers`);
  } else {
    why.push(importers ? `${importers} importer${importers === 1 ? '' : 's'}` : 'no importers');
  }
  return { risk: RISKS[Math.min(2, score)], reason: why.join('; ') };
}

function titleOf(kind: FindingKind, file: string, findings: Finding[]): string {
  switch (kind) {
    case 'docs':
      return `Add doc comments to the exported API of ${file}`;
    case 'types': {
      const any = findings.some((f) => f.rule === 'any');
      const ret = findings.some((f) => f.rule === 'return-type');
      if (any && ret) return `Replace explicit any and declare return types in ${file}`;
      return ret ? `Declare the return types of the exported functions in ${file}` : `Replace explicit any in ${file}`;
    }
    case 'dead-code':
      return `Remove unused code in ${file}`;
    case 'todo':
      return `Resolve the TODO comments in ${file}`;
    case 'fixme':
      return `Fix what the FIXME comments in ${file} point at`;
    case 'lint':
      return `Fix the lint findings in ${file}`;
  }
}

function howOf(
  kind: FindingKind,
  file: string,
  findings: Finding[],
  facts: RepoFacts,
): { intro: string; how: string; check: string } {
  const tsc = facts.hasTsconfig ? '`npx tsc --noEmit` still passes' : '';
  switch (kind) {
    case 'docs':
      return {
        intro: `These exported declarations of \`${file}\` have no doc comment:`,
        how: 'Add a `/** … */` comment right above each one: a sentence on what it does, then its parameters, what it returns and what it throws, as the code actually behaves. Change no code.',
        check: 'every declaration listed above starts with a `/**` comment, and the tests still pass',
      };
    case 'types':
      return {
        intro: `\`${file}\` has loose types:`,
        how: 'Replace each explicit `any` with the narrowest type the code supports (a concrete type, a generic, or `unknown` narrowed where it is used), and declare the return type each exported function already returns. Keep the behaviour exactly as it is; widen nothing callers rely on.',
        check: [tsc, 'no explicit `any` is left at the lines listed, and the tests still pass']
          .filter(Boolean)
          .join(', '),
      };
    case 'dead-code':
      return {
        intro: `The TypeScript compiler (noUnusedLocals/noUnusedParameters) reports unused code in \`${file}\`:`,
        how: 'Delete each unused import, local and type listed. For an unused parameter: remove it when the function is private to the file and every call site is updated; if the signature must stay (exported, a callback), prefix the name with `_` instead. Do not remove an expression that has side effects.',
        check: `\`npx tsc --noEmit --noUnusedLocals --noUnusedParameters\` reports nothing for ${file}${findings.some((f) => f.exported) ? ' (exported signatures keep their parameters)' : ''}, and the tests still pass`,
      };
    case 'todo':
    case 'fixme': {
      const word = kind === 'todo' ? 'TODO' : 'FIXME';
      return {
        intro: `\`${file}\` has ${word} comments:`,
        how: `Do what each ${word} asks when it is small and safe, then delete the comment. Leave a ${word} that needs a design decision or changes the public behaviour, and say why in your summary.`,
        check: `the ${word} comments you resolved are gone, and the tests still pass`,
      };
    }
    case 'lint': {
      const tool = findings[0]?.rule?.startsWith('ruff:') ? `ruff check ${file}` : `npx eslint ${file}`;
      return {
        intro: `The repository's linter reports these problems in \`${file}\`:`,
        how: 'Fix each one in the code without changing behaviour. Do not disable rules or add ignore comments.',
        check: `\`${tool}\` reports none of them, and the tests still pass`,
      };
    }
  }
}

/** The description a model can act on: what, where (line by line), how, and how to check. */
function descriptionOf(
  kind: FindingKind,
  file: string,
  findings: Finding[],
  facts: RepoFacts,
  tests: string | undefined,
  risk: { risk: Risk; reason: string },
): string {
  const { intro, how, check } = howOf(kind, file, findings, facts);
  const sorted = [...findings].sort((a, b) => a.line - b.line || a.message.localeCompare(b.message));
  const lines = sorted.slice(0, MAX_LISTED).map((f) => `- line ${f.line}: ${f.message}`);
  if (sorted.length > MAX_LISTED)
    lines.push(`- … and ${sorted.length - MAX_LISTED} more of the same kind in this file`);
  return [
    intro,
    '',
    ...lines,
    '',
    how,
    '',
    `How to check: ${check}${tests ? ` (\`${tests}\`)` : ''}.`,
    '',
    `Risk ${risk.risk}: ${risk.reason}. Found by \`flotilla discover\`.`,
  ].join('\n');
}

/** One draft per file and kind of finding, in a stable order (kind, then path). */
export function groupFindings(findings: Finding[], facts: RepoFacts): TaskDraft[] {
  const groups = new Map<string, Finding[]>();
  for (const f of findings) {
    const k = keyOf(f.kind, f.file);
    if (!groups.has(k)) groups.set(k, []);
    groups.get(k)!.push(f);
  }
  const drafts: (TaskDraft & { kind: FindingKind; file: string })[] = [];
  for (const list of groups.values()) {
    const { kind, file } = list[0];
    // The same line and message twice (e.g. two analysers) is one finding.
    const unique = [...new Map(list.map((f) => [`${f.line}\u0000${f.message}`, f])).values()];
    const risk = riskOf(kind, unique, facts.importers(file).length);
    const tests = facts.testCommand(facts.testFiles(file));
    drafts.push({
      kind,
      file,
      key: keyOf(kind, file),
      title: titleOf(kind, file, unique),
      category: CATEGORY_OF[kind],
      risk: risk.risk,
      riskReason: risk.reason,
      files: [file],
      ...(tests ? { tests } : {}),
      description: descriptionOf(kind, file, unique, facts, tests, risk),
    });
  }
  drafts.sort((a, b) => KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind) || a.file.localeCompare(b.file));
  return drafts.map(({ kind: _kind, file: _file, ...d }) => d);
}
