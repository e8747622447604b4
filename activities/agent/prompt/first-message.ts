/**
 * The agent's first user message: the work itself, everything task-specific (the system prompt is the same
 * for every task, agent-system-prompt.ts). The task file, the files it declares (numbered, within a budget),
 * the tests the gate will run, this task's gate numbers, the repository's conventions, the done checklist,
 * how to give up, the turn budget, and, on a retry, what the previous attempt did and why it was refused. Pure.
 */
import type { RepoConventions } from '../agent-prompt';
import { docExcerptLines, taskPrompt } from '../agent-prompt';
import { CANNOT_PREFIX } from './agent-system-prompt';

/** Characters of declared files' content the first message carries, in all and per file. */
export const FILES_BUDGET_CHARS = 48_000;
export const FILE_BUDGET_CHARS = 20_000;

export interface DeclaredFile {
  path: string;
  /** The file's text at the base commit; undefined when it does not exist there (the task creates it). */
  text?: string;
}

/** What the previous attempt did and why it was not committed. */
export interface PreviousAttempt {
  attempt: number;
  /** Who refused it. */
  from: 'tests' | 'review';
  /** Its diff against the base commit (bounded by the caller). */
  diff?: string;
  /** The gate's verdict in a sentence, or the reviewer's comments. */
  verdict: string;
  /** Tests it made fail, each with its block from the output (rendered). */
  failingTests?: string[];
  failureBlocks?: string;
}

export interface TheWork {
  taskId: string;
  taskFile: string;
  /** The research document's notes on this task (`--research`), when it has any. */
  research?: string;
  category?: string;
  declared: DeclaredFile[];
  /** The command the gate runs, and why these tests (its selection), when known. */
  tests: { command: string; selection?: string; own: boolean };
  conventions: RepoConventions;
  /** Changed lines the oversized check allows (per declared file × declared files). */
  maxChangedLines: number;
  maxTurns: number;
  previous?: PreviousAttempt;
}

const numbered = (text: string) =>
  text
    .split('\n')
    .map((l, i) => `${String(i + 1).padStart(6)}\t${l}`)
    .join('\n');

/** The declared files, numbered as `view` numbers them, each cut at its budget and all at the total. */
export function declaredFilesSection(
  files: DeclaredFile[],
  total = FILES_BUDGET_CHARS,
  each = FILE_BUDGET_CHARS,
): string[] {
  if (!files.length) return ['The task declares no files: find the ones it needs with search.'];
  const out = [
    'The files the task declares, as they are now (line numbers as `view` shows them; they are not part of the files):',
  ];
  let left = total;
  for (const f of files) {
    if (f.text === undefined) {
      out.push('', `<file path="${f.path}">(does not exist yet: the task creates it)</file>`);
      continue;
    }
    const shown = numbered(f.text);
    const budget = Math.min(each, left);
    if (budget < 500) {
      out.push('', `<file path="${f.path}">(not shown: the budget for file contents is spent; view it)</file>`);
      continue;
    }
    const cut =
      shown.length > budget
        ? `${shown.slice(0, shown.lastIndexOf('\n', budget) > 0 ? shown.lastIndexOf('\n', budget) : budget)}\n… (the rest is not shown: view it with view_range)`
        : shown;
    left -= cut.length;
    out.push('', `<file path="${f.path}">`, cut, '</file>');
  }
  return out;
}

function conventionsSection(c: RepoConventions): string[] {
  return [
    `The repository's main language: ${c.language ?? 'unknown'}. Follow the style of the surrounding code (naming, formatting, comments, module layout).`,
    ...docExcerptLines(c),
  ];
}

function testsSection(t: TheWork['tests']): string[] {
  if (t.own) return [`The gate runs the task's own test command: \`${t.command}\`. run_tests runs the same.`];
  return [
    `The gate runs the tests related to the files you edit, narrowed from the suite command \`${t.command}\`.`,
    ...(t.selection ? [`For the files the task declares that is: ${t.selection}.`] : []),
    'run_tests runs the same selection for the files you have edited so far (full: true for the whole suite).',
  ];
}

function rulesSection(w: TheWork): string[] {
  const tests = w.category === 'tests';
  return [
    "This task's gate (details in the system prompt):",
    '- The tests above must pass, compared with the base commit; tests already red there are not held against you.',
    tests
      ? '- This is a tests task: you may change tests, but each must still fail if the code under test breaks.'
      : "- Do not change what any test expects, and do not skip, focus or delete tests: this task's category is not tests.",
    '- No console.log / debugger (JavaScript, TypeScript) or print() / breakpoint() (Python) in non-test code.',
    `- At most ${w.maxChangedLines} changed lines (added plus removed) in all.`,
    `- Files the task declares: ${w.declared.map((f) => f.path).join(', ') || '(none)'}. Any other file you change must be named in your final reply, with the reason.`,
    '- Never touch .git, lockfiles or the tasks/ folder.',
  ];
}

function previousSection(p: PreviousAttempt): string[] {
  const who = p.from === 'review' ? 'the review' : 'the tests';
  const out = [
    `Attempt ${p.attempt} at this task was refused by ${who}; its change was discarded and you start again from the base commit (the files above).`,
    `Why it was refused: ${p.verdict.trim()}`,
  ];
  if (p.failingTests?.length) out.push(`Tests it made fail: ${p.failingTests.slice(0, 20).join('; ')}`);
  if (p.failureBlocks?.trim())
    out.push('', 'Each failure as the runner reported it:', '<failures>', p.failureBlocks.trim(), '</failures>');
  if (p.diff?.trim()) {
    out.push(
      '',
      `Its diff against the base commit${p.from === 'review' ? " (the reviewer's file:line references point into the new side of this diff)" : ''}:`,
      '<previous_diff>',
      p.diff.trim(),
      '</previous_diff>',
    );
  }
  out.push(
    '',
    p.from === 'review'
      ? 'Make the change again so that it answers every review comment; keep what was right in the previous diff, and keep the tests passing without weakening them.'
      : 'Make the change again without the mistake: find the cause of each failure in the previous diff, and fix the code, not the tests.',
  );
  return out;
}

function checklist(w: TheWork): string[] {
  return [
    'Done checklist (go through it before your final reply):',
    '1. The change does everything the task asks, and nothing it does not ask.',
    '2. Every edit result showed the lines you meant; no duplicated, lost or half-edited lines.',
    '3. run_tests passes (tests already red at the base aside).',
    '4. No test expectation changed, no test skipped or removed, no debugging output added.',
    '5. Every changed file the task does not declare is named in your reply, with the reason.',
    '6. Your final reply is one paragraph naming what you changed, with no tool call.',
    '',
    `If the task cannot be done as a small, safe change, reply with a final message whose first line is \`${CANNOT_PREFIX} <reason>\`: the task is skipped with that reason and nothing is committed.`,
    '',
    `Turn budget: at most ${w.maxTurns} turns (model replies) for this task, including the final reply. Plan to finish well within it.`,
  ];
}

/** The first user message of a task attempt's conversation. */
export function firstMessage(w: TheWork): string {
  return [
    taskPrompt(w.taskId, w.taskFile, undefined, 'tests', w.research),
    '',
    ...declaredFilesSection(w.declared),
    '',
    ...testsSection(w.tests),
    '',
    ...rulesSection(w),
    '',
    ...conventionsSection(w.conventions),
    ...(w.previous ? ['', ...previousSection(w.previous)] : []),
    '',
    ...checklist(w),
  ].join('\n');
}
