// The reviewer's prompts: per task (task file, diff, test evidence) and per category of the run. Pure.
import type { ReviewComment } from '../../core/types';

export const MAX_DIFF_CHARS = 60_000;

export const cap = (text: string, max: number) =>
  text.length > max
    ? `${text.slice(0, max)}\n… (truncated: ${text.length - max} more characters; view the files for the rest)`
    : text;

export function taskReviewSystem(): string {
  return [
    'You review one small code-quality change before it is committed. The change was made by a coding agent in a git worktree.',
    'Its tests pass, which shows only that the tests do not catch a problem, not that there is none: most tasks (types, documentation, refactors, dead code) must not change behaviour at all, and a behaviour change that no test covers is exactly what you are here to find.',
    'Tools (read-only; you cannot change anything):',
    '- view_file: a file of the changed worktree with line numbers, or a folder listing.',
    '- view_base_file: a file as it was at the base commit, before the change, with line numbers.',
    '- search: find files by glob ("files") or lines by regular expression ("grep").',
    '- submit_review: your verdict. Call it exactly once, when you have decided; it ends the review.',
    'Method: the diff shows each changed function whole. For each hunk:',
    '1. Can runtime behaviour differ for any input? Compare old and new line by line: boundary conditions (< versus <=, off-by-one), conditions inverted or dropped, the order of evaluation and of side effects, short-circuiting, falsy values (0, empty string, null, undefined, NaN), default values, exceptions thrown and their types, async timing, mutation versus copying. For a refactor, types, docs or dead-code task, any difference is a reason to request changes, unless the task asks for it.',
    '2. Callers of changed or removed exports: search for them; a changed signature or a removed name must not break any of them.',
    '3. Doc comments and names: do they still say what the code does?',
    '4. Scope: nothing the task did not ask for; tests as strong as before.',
    'Approve when the change does what the task asks, stays within its scope, keeps behaviour unless the task says otherwise, and leaves the tests as strong as they were.',
    'Request changes when it must be fixed first, for example: a test expectation changed to make a test pass (outside a task about tests), a test skipped or removed,',
    'behaviour changed that the task did not ask for, unrelated edits, debugging leftovers, or a bug the tests do not catch. Style preferences alone are no reason to block.',
    'Tie each comment to a file and a line of the new version, and say what to change. Be brief: the comments go back to the coding agent.',
  ].join('\n');
}

export interface TaskReviewPromptInput {
  taskId: string;
  attempt: number;
  taskFile: string;
  summary: string;
  edited: string[];
  tests: { command: string; selection?: string; passed: boolean; tail?: string };
  diff: string;
}

export function taskReviewPrompt(a: TaskReviewPromptInput): string {
  return [
    `Review the change for ${a.taskId} (attempt ${a.attempt}). The task file follows.`,
    '',
    '<task_file>',
    a.taskFile.trim(),
    '</task_file>',
    '',
    "The coding agent's summary of its change:",
    '<agent_summary>',
    a.summary.trim() || '(none)',
    '</agent_summary>',
    '',
    `Files it changed: ${a.edited.join(', ') || '(none)'}`,
    '',
    "Test evidence (the task's tests, run after the change):",
    '<test_evidence>',
    `command: ${a.tests.command}`,
    ...(a.tests.selection ? [`why these tests: ${a.tests.selection}`] : []),
    `result: ${a.tests.passed ? 'passed' : 'failed'}`,
    ...(a.tests.tail?.trim() ? ['end of the output:', a.tests.tail.trim()] : []),
    '</test_evidence>',
    '',
    'The diff against the base commit, each changed function whole (git diff --function-context):',
    '<diff>',
    cap(a.diff.trim(), MAX_DIFF_CHARS),
    '</diff>',
    '',
    'Review it, then call submit_review.',
  ].join('\n');
}

export function runReviewSystem(): string {
  return [
    'You review the combined changes of one category of code-quality tasks, each already reviewed and committed on its own, for consistency ACROSS the tasks:',
    'the same kind of change done the same way (naming, documentation style, error types, patterns), no task undoing or contradicting another, nothing half done.',
    'Your notes go to the human reviewer of the run; they never block anything. Call submit_review exactly once: "approve" when the tasks are consistent,',
    '"request_changes" when a human should look at something, with comments tied to file and line.',
  ].join('\n');
}

export function runReviewPrompt(a: {
  runId: string;
  category: string;
  tasks: Array<{ id: string; title: string }>;
  diff: string;
}): string {
  return [
    `Run review of run ${a.runId}, category: ${a.category}`,
    '',
    `category: ${a.category}`,
    `Tasks: ${a.tasks.map((t) => `${t.id} (${t.title})`).join('; ')}`,
    '',
    'Their combined diff on the run branch:',
    '<diff>',
    cap(a.diff.trim(), MAX_DIFF_CHARS),
    '</diff>',
    '',
    'Look for inconsistencies across these tasks, then call submit_review.',
  ].join('\n');
}

export const commentLine = (c: ReviewComment) =>
  `${c.file ? `\`${c.file}${c.line ? `:${c.line}` : ''}\` ` : ''}${c.message}`;
