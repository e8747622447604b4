import { randomBytes } from 'node:crypto';
import { changedExpectations } from '../activities/review/checks';
import { parseUnifiedDiff } from '../activities/review/diff';
import { REVIEW_TOOL_NAME } from '../activities/review/review-tool';
import { redactedThinkingBlock, thinkingBlock } from './stand-in-checks';
import type { ReplyFaultKind } from './stand-in-faults';

/**
 * The stand-in model as a reviewer: when a request offers the verdict tool, it answers with one
 * submit_review call, deterministically: request changes when a task whose category is not `tests`
 * edits an assertion's expected value in a test file, or changes a comparison's operator (a boundary
 * condition) in a task that is not a bug fix; approve otherwise. Like the coding stand-in it
 * reads nothing but the request (the task file and the diff are in the first user message).
 */

type Block = { type: string; [k: string]: unknown };
type Message = { role: 'user' | 'assistant'; content: string | Block[] };
type Reply = { content: Block[]; stop_reason: string; stop_details?: Record<string, unknown> };

/** Whether the request is a reviewer's: it offers the verdict tool. */
export function isReviewRequest(tools: unknown): boolean {
  return (
    Array.isArray(tools) &&
    tools.some((t) => t && typeof t === 'object' && (t as { name?: unknown }).name === REVIEW_TOOL_NAME)
  );
}

const COMPARISON = /<=|>=|<(?!<)|>(?!>)/g;

/** Removed and added lines that differ only in a comparison operator (`i < n` became `i <= n`): a changed boundary condition. */
export function boundaryChanges(diff: string): Array<{ file: string; line?: number; was: string; now: string }> {
  const out: Array<{ file: string; line?: number; was: string; now: string }> = [];
  for (const f of parseUnifiedDiff(diff)) {
    for (const hunk of f.hunks) {
      const removed = hunk.filter((l) => l.kind === '-');
      for (const a of hunk.filter((l) => l.kind === '+')) {
        const r = removed.find(
          (x) =>
            x.text !== a.text &&
            /[<>]/.test(x.text) &&
            x.text.replace(COMPARISON, '<>') === a.text.replace(COMPARISON, '<>'),
        );
        if (r) out.push({ file: f.path, line: a.newLine, was: r.text.trim(), now: a.text.trim() });
      }
    }
  }
  return out;
}

const textOf = (content: string | Block[]) =>
  typeof content === 'string' ? content : content.map((b) => (b.type === 'text' ? String(b.text) : '')).join('\n');

/** The reviewer's reply to the conversation (and an optional reply fault: thinking and refusal apply, the rest are the coder's). */
export function reviewerReply(messages: Message[], fault?: ReplyFaultKind): Reply {
  const first = messages.find((m) => m.role === 'user');
  const prompt = first ? textOf(first.content) : '';
  const taskFile = /<task_file>([\s\S]*?)<\/task_file>/.exec(prompt)?.[1] ?? prompt;
  const category = /^category:\s*(\S+)/m.exec(taskFile)?.[1] ?? /^category:\s*(\S+)/m.exec(prompt)?.[1] ?? '';
  const subject = /\b(TASK-[A-Za-z0-9_-]+)/.exec(prompt)?.[1] ?? `the ${category || 'run'} changes`;
  const diff = /<diff>\n?([\s\S]*?)<\/diff>/.exec(prompt)?.[1] ?? '';
  const findings = category === 'tests' ? [] : changedExpectations(parseUnifiedDiff(diff));
  // Its method for behaviour-preserving tasks: a comparison whose operator changed changes behaviour at the boundary.
  const boundaries = category === 'tests' || category === 'bugfix' ? [] : boundaryChanges(diff);
  const input =
    !findings.length && boundaries.length
      ? {
          verdict: 'request_changes',
          summary: `${subject} changes behaviour at a boundary (${boundaries[0].file}:${boundaries[0].line}): \`${boundaries[0].was}\` became \`${boundaries[0].now}\`; a ${category || 'behaviour-preserving'} task must keep it`,
          comments: boundaries.map((b) => ({
            file: b.file,
            line: b.line,
            message: `\`${b.was}\` became \`${b.now}\`: the result differs at the boundary value; keep the original comparison`,
          })),
        }
      : findings.length
        ? {
            verdict: 'request_changes',
            summary: `${subject} makes its tests pass by changing what they expect (${findings[0].file}:${findings[0].line}); fix the code instead`,
            comments: findings.map((f) => ({
              file: f.file,
              line: f.line,
              message: `${f.message}: a ${category || 'non-tests'} task must not change test expectations`,
            })),
          }
        : {
            verdict: 'approve',
            summary: `${subject}: the change does what the task asks and leaves the tests as they were`,
            comments: [],
          };
  if (fault === 'refusal')
    return {
      content: [],
      stop_reason: 'refusal',
      stop_details: {
        type: 'refusal',
        category: null,
        explanation: `The stand-in declines to review ${subject}, as its faults asked.`,
      },
    };
  const content: Block[] = [
    { type: 'text', text: `Reviewed ${subject}.` },
    { type: 'tool_use', id: `toolu_${randomBytes(12).toString('hex')}`, name: REVIEW_TOOL_NAME, input },
  ];
  if (fault === 'thinking') content.unshift(thinkingBlock(`Reviewing ${subject}.`), redactedThinkingBlock());
  return { content, stop_reason: 'tool_use' };
}
