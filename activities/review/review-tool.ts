// The reviewer's tools: its verdict, given as a tool call, and a read-only file view. Sandbox-free, no I/O here.
import type Anthropic from '@anthropic-ai/sdk';
import type { ReviewComment, TaskReview } from '../../core/types';

export const REVIEW_TOOL_NAME = 'submit_review';
/** A review travels through workflow history (the task's state): its comments are bounded. */
export const MAX_COMMENTS = 20;
export const MAX_COMMENT_CHARS = 500;
export const VIEW_TOOL_NAME = 'view_file';

/** The verdict, as a tool call: the reviewer's answer is structured, never parsed from prose. */
export const REVIEW_TOOL: Anthropic.Tool = {
  name: REVIEW_TOOL_NAME,
  description:
    'Submit your review verdict; call it exactly once, when you have decided. "approve" when the change does what the task asks and nothing else that matters; ' +
    '"request_changes" when it must be fixed first: say what in `comments`, each tied to a file and line of the new version where possible.',
  input_schema: {
    type: 'object',
    properties: {
      verdict: { type: 'string', enum: ['approve', 'request_changes'] },
      summary: { type: 'string', description: 'One sentence: the verdict and its main reason.' },
      comments: {
        type: 'array',
        items: {
          type: 'object',
          properties: {
            file: { type: 'string', description: 'Repository-relative path.' },
            line: { type: 'integer', description: 'Line number in the changed file.' },
            message: { type: 'string' },
          },
          required: ['message'],
        },
      },
    },
    required: ['verdict', 'summary', 'comments'],
  },
};

export const VIEW_BASE_TOOL_NAME = 'view_base_file';

/** The input of both file views: a path, optionally a range of lines. */
const VIEW_INPUT_SCHEMA: Anthropic.Tool['input_schema'] = {
  type: 'object',
  properties: {
    path: { type: 'string' },
    start_line: { type: 'integer' },
    end_line: { type: 'integer', description: '-1 for the end of the file.' },
  },
  required: ['path'],
};

/** The file as it was at the base commit, before the change: to compare behaviour, not only lines. */
export const VIEW_BASE_TOOL: Anthropic.Tool = {
  name: VIEW_BASE_TOOL_NAME,
  description:
    'Read-only: shows a file as it was at the base commit, before the change, with line numbers (optionally lines start_line..end_line). Use it to compare old and new behaviour of a changed function, or to see code a hunk removed.',
  input_schema: VIEW_INPUT_SCHEMA,
};

/** A read-only view of the worktree (the editor tool's view, without its edit commands). */
export const VIEW_TOOL: Anthropic.Tool = {
  name: VIEW_TOOL_NAME,
  description:
    'Read-only: shows a file with line numbers (optionally lines start_line..end_line), or lists a folder. Paths are relative to the repository root.',
  input_schema: VIEW_INPUT_SCHEMA,
};

export type Verdict = Pick<TaskReview, 'verdict' | 'summary' | 'comments'>;

/** The verdict tool's input checked, or why it is not a verdict (sent back to the model as a tool error). */
export function parseVerdict(input: unknown): Verdict | { error: string } {
  if (!input || typeof input !== 'object')
    return { error: 'the input must be an object with verdict, summary and comments' };
  const { verdict, summary, comments } = input as Record<string, unknown>;
  if (verdict !== 'approve' && verdict !== 'request_changes')
    return { error: 'verdict must be "approve" or "request_changes"' };
  const list = Array.isArray(comments) ? comments : [];
  const parsed: ReviewComment[] = [];
  for (const c of list) {
    if (!c || typeof c !== 'object') continue;
    const { file, line, message } = c as Record<string, unknown>;
    if (typeof message !== 'string' || !message.trim()) continue;
    parsed.push({
      ...(typeof file === 'string' && file ? { file } : {}),
      ...(Number.isInteger(line) && (line as number) > 0 ? { line: line as number } : {}),
      message: message.trim().slice(0, MAX_COMMENT_CHARS),
    });
  }
  if (verdict === 'request_changes' && !parsed.length && !(typeof summary === 'string' && summary.trim()))
    return { error: 'request_changes needs a summary or at least one comment saying what to change' };
  const text =
    typeof summary === 'string' && summary.trim()
      ? summary.trim()
      : verdict === 'approve'
        ? 'approved'
        : parsed[0].message;
  return { verdict, summary: text.slice(0, MAX_COMMENT_CHARS), comments: parsed.slice(0, MAX_COMMENTS) };
}
