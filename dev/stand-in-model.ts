import { createHash, randomBytes } from 'node:crypto';
import * as http from 'node:http';
import { type AddressInfo } from 'node:net';
import { parseChangeBlocks } from '../planner/parse-task';
import { PromptCache, tokensOf } from './stand-in-cache';
import { redactedThinkingBlock, requestProblem, thinkingBlock } from './stand-in-checks';
import {
  type Fault,
  FaultPlan,
  type HttpFaultKind,
  isHttpFault,
  type ReplyFaultKind,
  validateFaults,
} from './stand-in-faults';
import { proposeReply, proposeToolOf } from './stand-in-propose';
import { isReviewRequest, reviewerReply } from './stand-in-reviewer';

/**
 * The stand-in model: a local HTTP server speaking the Anthropic Messages API (POST /v1/messages).
 * It reads the task from the conversation and answers with one str_replace_based_edit_tool call per
 * SEARCH/REPLACE block of the task's Change section, one per turn, then an end_turn summary. Blocks under a
 * `## Fix` heading are applied only after an edit result reported new diagnostics (the type error it made);
 * a task without Change blocks (a prose task) is answered `cannot: …`.
 * It never reads the disk: everything it knows comes from the request. It checks requests as the API
 * does (dev/stand-in-checks.ts), emulates prompt caching (dev/stand-in-cache.ts) and injects faults on
 * demand (dev/stand-in-faults.ts).
 */

type Block = { type: string; [k: string]: unknown };
type Message = { role: 'user' | 'assistant'; content: string | Block[] };
export type Reply = { content: Block[]; stop_reason: string; stop_details?: Record<string, unknown> };

const EDITOR = 'str_replace_based_edit_tool';
/** Tool calls made by a fault carry this id prefix, so the stand-in does not count them as its progress. */
const FAULT_ID = 'toolu_flt_';
const id = (prefix: string) => `${prefix}_${randomBytes(12).toString('hex')}`;
const faultId = () => `${FAULT_ID}${randomBytes(12).toString('hex')}`;
/** A regular expression that backtracks exponentially on a line of a's that ends otherwise, as a hostile model would search. */
export const CATASTROPHIC_REGEX = '^(a+)+$';
/** A path outside any worktree, as a hostile model would try. */
export const OUTSIDE_PATH = '../outside.txt';

function textOf(content: string | Block[]): string {
  if (typeof content === 'string') return content;
  return content
    .map((b) => (b.type === 'text' ? String(b.text) : b.type === 'tool_result' ? JSON.stringify(b.content ?? '') : ''))
    .join('\n');
}

function errorBody(type: string, message: string, requestId: string) {
  return { type: 'error', error: { type, message }, request_id: requestId };
}

/** The task id the conversation is about (from the first user message). */
export function taskIdOf(messages: Message[]): string {
  const first = messages.find((m) => m.role === 'user');
  return /\b(TASK-[A-Za-z0-9_-]+)/.exec(first ? textOf(first.content) : '')?.[1] ?? 'the task';
}

type ChangeBlock = ReturnType<typeof parseChangeBlocks>['blocks'][number];
const editInput = (b: ChangeBlock) =>
  b.search
    ? { command: 'str_replace', path: b.path, old_str: b.search, new_str: b.replace }
    : { command: 'create', path: b.path, file_text: b.replace };
const toolUse = (input: Record<string, unknown>, blockId = id('toolu')): Block => ({
  type: 'tool_use',
  id: blockId,
  name: EDITOR,
  input,
});

/** A reply-fault's version of the reply, given the blocks still to apply. */
function faultyReply(fault: ReplyFaultKind, normal: Reply, remaining: ChangeBlock[], taskId: string): Reply {
  const next = remaining[0];
  switch (fault) {
    case 'thinking':
      return {
        ...normal,
        content: [
          thinkingBlock(`The task is ${taskId}; ${remaining.length} change(s) left.`),
          redactedThinkingBlock(),
          ...normal.content,
        ],
      };
    case 'parallel_edits':
      if (remaining.length < 2) return normal;
      return {
        content: [
          { type: 'text', text: `Applying the ${remaining.length} remaining changes at once.` },
          ...remaining.map((b) => toolUse(editInput(b))),
        ],
        stop_reason: 'tool_use',
      };
    case 'truncated_tool_call': {
      const text = {
        type: 'text',
        text: next ? `Applying the change to ${next.path}.` : 'I was about to summarise my work but',
      };
      if (!next) return { content: [text], stop_reason: 'max_tokens' };
      const input = next.search
        ? { command: 'str_replace', path: next.path, old_str: next.search.slice(0, Math.ceil(next.search.length / 2)) }
        : { command: 'create', path: next.path };
      return { content: [text, toolUse(input, faultId())], stop_reason: 'max_tokens' };
    }
    case 'malformed_tool_input': {
      if (!next) return normal;
      const input = next.search
        ? { command: 'str_replace', path: next.path, new_str: next.replace }
        : { command: 'create', path: next.path };
      return {
        content: [{ type: 'text', text: `Applying the change to ${next.path}.` }, toolUse(input, faultId())],
        stop_reason: 'tool_use',
      };
    }
    case 'pause_turn':
      return { content: [{ type: 'text', text: `Still working on ${taskId}.` }], stop_reason: 'pause_turn' };
    case 'refusal':
      return {
        content: [],
        stop_reason: 'refusal',
        stop_details: {
          type: 'refusal',
          category: null,
          explanation: `The stand-in declines ${taskId}, as its faults asked.`,
        },
      };
    case 'outside_path':
      return {
        content: [
          { type: 'text', text: 'Writing a note next to the repository.' },
          toolUse({ command: 'create', path: OUTSIDE_PATH, file_text: 'written by the hostile stand-in\n' }, faultId()),
        ],
        stop_reason: 'tool_use',
      };
    case 'empty_end_turn':
      return { content: [], stop_reason: 'end_turn' };
    case 'catastrophic_regex':
      return {
        content: [
          { type: 'text', text: 'Searching first.' },
          { type: 'tool_use', id: faultId(), name: 'search', input: { command: 'grep', pattern: CATASTROPHIC_REGEX } },
        ],
        stop_reason: 'tool_use',
      };
  }
}

/** Decides the next assistant message from the conversation so far (and an optional reply fault). Pure but for random ids. */
export function nextReply(messages: Message[], fault?: ReplyFaultKind): Reply {
  const first = messages.find((m) => m.role === 'user');
  const taskText = first ? textOf(first.content) : '';
  const taskFile = /<task_file>([\s\S]*?)<\/task_file>/.exec(taskText)?.[1] ?? taskText;
  const taskId = taskIdOf(messages);
  const title = /^title:\s*(.+)$/m.exec(taskFile)?.[1]?.trim() ?? '';
  // A `## Fix` section: Change blocks the stand-in applies only once an edit result reported new diagnostics (its check).
  const fixAt = taskFile.search(/^## Fix\b/m);
  const { blocks: changes } = parseChangeBlocks(fixAt >= 0 ? taskFile.slice(0, fixAt) : taskFile);
  const fixes = fixAt >= 0 ? parseChangeBlocks(taskFile.slice(fixAt)).blocks : [];
  const reported = messages.some(
    (m) =>
      m.role === 'user' &&
      Array.isArray(m.content) &&
      m.content.some(
        (b) => b.type === 'tool_result' && /now reports \d+ new problem/.test(JSON.stringify(b.content ?? '')),
      ),
  );
  const blocks = reported ? [...changes, ...fixes] : changes;

  const calls = messages
    .filter((m) => m.role === 'assistant' && Array.isArray(m.content))
    .flatMap((m) => (m.content as Block[]).filter((b) => b.type === 'tool_use'));
  const done = calls.filter((b) => !String(b.id).startsWith(FAULT_ID));
  const last = messages[messages.length - 1];
  const lastErrors = Array.isArray(last?.content)
    ? last.content.filter((b) => b.type === 'tool_result' && b.is_error && !String(b.tool_use_id).startsWith(FAULT_ID))
    : [];
  const remaining = blocks.slice(done.length);
  let reply: Reply;
  if (lastErrors.length) {
    const why = textOf(lastErrors as Block[]).slice(0, 500);
    reply = {
      content: [{ type: 'text', text: `I could not apply the change for ${taskId}: ${why}` }],
      stop_reason: 'end_turn',
    };
  } else if (remaining.length) {
    const b = remaining[0];
    reply = {
      content: [
        { type: 'text', text: `Applying change ${done.length + 1} of ${blocks.length} to ${b.path}.` },
        toolUse(editInput(b)),
      ],
      stop_reason: 'tool_use',
    };
  } else {
    const files = [...new Set(blocks.map((b) => b.path))];
    const summary = blocks.length
      ? `${title || `Completed ${taskId}`}. Edited ${files.join(', ')} (${blocks.length} change${blocks.length === 1 ? '' : 's'}).`
      : `cannot: ${taskId} is a prose task (no Change section), and the stand-in model only applies Change blocks; it needs a real model.`;
    reply = { content: [{ type: 'text', text: summary }], stop_reason: 'end_turn' };
  }
  return fault && !lastErrors.length ? faultyReply(fault, reply, remaining, taskId) : reply;
}

/** The HTTP answer of an HTTP fault: status, error type, message and extra headers. */
function httpFault(f: Fault & { kind: Exclude<HttpFaultKind, 'drop_connection'> }): {
  status: number;
  type: string;
  message: string;
  headers: Record<string, string>;
} {
  const retryAfter = (s: number | undefined): Record<string, string> =>
    s === undefined ? {} : { 'retry-after': String(s) };
  switch (f.kind) {
    case 'rate_limit':
      return {
        status: 429,
        type: 'rate_limit_error',
        message: 'This request would exceed the rate limit for your organization of 50 requests per minute.',
        headers: retryAfter(f.retryAfterSeconds ?? 1),
      };
    case 'overloaded':
      return { status: 529, type: 'overloaded_error', message: 'Overloaded', headers: retryAfter(f.retryAfterSeconds) };
    case 'server_error':
      return { status: 500, type: 'api_error', message: 'Internal server error', headers: {} };
    case 'unauthorized':
      return { status: 401, type: 'authentication_error', message: 'invalid x-api-key', headers: {} };
  }
}

export interface StandInOptions {
  port?: number;
  host?: string;
  latencyMs?: number;
  /** Faults to inject (see dev/stand-in-faults.ts); worker subprocesses get them from FLOTILLA_STAND_IN_FAULTS. */
  faults?: Fault[];
  /** The smallest prefix the prompt cache stores, in tokens (Haiku 4.5: 4,096). */
  cacheMinTokens?: number;
  /** Keep every request body in `bodies` (tests). */
  recordRequests?: boolean;
  /** The model's context window in tokens (Haiku 4.5: 200,000): a longer prompt gets the API's 400 "prompt is too long". */
  contextWindowTokens?: number;
}

export interface RequestLogEntry {
  at: number;
  taskId: string;
  turn: number;
  status: number | 'dropped';
  /** Who asked: a coding agent, a reviewer, or `discover --instruction` proposing tasks. */
  kind: 'agent' | 'review' | 'propose';
  /** A hash of the conversation so far (system and messages): the same request sent again has the same prefix. */
  prefix: string;
}

export interface StandInModel {
  url: string;
  requests: number;
  /** The faults that fired so far. */
  fired: FaultPlan['fired'];
  /** The parsed request bodies, when recordRequests is set. */
  bodies: Record<string, unknown>[];
  /** The last 1,000 Messages requests: when, for which task and turn, and how they were answered. */
  log: RequestLogEntry[];
  close(): Promise<void>;
}

export async function startStandInModel(opts: StandInOptions = {}): Promise<StandInModel> {
  const state = { requests: 0 };
  const plan = new FaultPlan(validateFaults(opts.faults ?? []));
  const cache = new PromptCache(opts.cacheMinTokens ?? 4096);
  const bodies: Record<string, unknown>[] = [];
  const log: RequestLogEntry[] = [];
  // Answers held back by latencyMs: cleared on close, so a closed stand-in leaves no timer behind.
  const delayed = new Set<NodeJS.Timeout>();
  const server = http.createServer((req, res) => {
    const requestId = id('req');
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      const data = JSON.stringify(body);
      res.writeHead(status, {
        'content-type': 'application/json',
        'request-id': requestId,
        'content-length': Buffer.byteLength(data),
        ...headers,
      });
      res.end(data);
    };
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      state.requests++;
      const url = (req.url ?? '').split('?')[0];
      if (req.method !== 'POST' || url !== '/v1/messages') {
        return send(
          404,
          errorBody(
            'not_found_error',
            `${req.method} ${url} not found; the stand-in serves POST /v1/messages`,
            requestId,
          ),
        );
      }
      if (!req.headers['x-api-key'] && !req.headers.authorization) {
        return send(401, errorBody('authentication_error', 'x-api-key header is required', requestId));
      }
      let body: { model?: unknown; max_tokens?: unknown; messages?: unknown; system?: unknown; tools?: unknown };
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        return send(400, errorBody('invalid_request_error', 'request body is not valid JSON', requestId));
      }
      if (opts.recordRequests) bodies.push(body as Record<string, unknown>);
      const problem = requestProblem(body);
      if (problem) return send(400, errorBody('invalid_request_error', problem, requestId));
      const messages = body.messages as Message[];
      const propose = proposeToolOf(body.tools);
      const kind: RequestLogEntry['kind'] = propose ? 'propose' : isReviewRequest(body.tools) ? 'review' : 'agent';
      const prefix = createHash('sha256')
        .update(JSON.stringify([body.system ?? null, messages]))
        .digest('hex')
        .slice(0, 16);
      const where = {
        at: Date.now(),
        taskId: taskIdOf(messages),
        turn: messages.filter((m) => m.role === 'assistant').length + 1,
        kind,
        prefix,
      };
      const note = (status: RequestLogEntry['status']) => log.push({ ...where, status }) > 1000 && log.shift();
      // The run-level reviewer offers the verdict tool only; a task's reviewer also the tools to look around with.
      const asker =
        kind === 'review'
          ? Array.isArray(body.tools) && body.tools.length === 1
            ? 'run-review'
            : 'review'
          : kind === 'agent'
            ? 'agent'
            : undefined;
      const fault = plan.take(where.taskId, where.turn, asker);
      if (fault?.kind === 'drop_connection') {
        note('dropped');
        return void req.socket.destroy();
      }
      if (fault && isHttpFault(fault.kind)) {
        const f = httpFault(fault as Fault & { kind: Exclude<HttpFaultKind, 'drop_connection'> });
        note(f.status);
        return send(f.status, errorBody(f.type, f.message, requestId), f.headers);
      }
      // Counted as the cache counts (its usage is only kept when the request is answered).
      const promptTokens = new PromptCache(Number.MAX_SAFE_INTEGER).use(body).input_tokens;
      const window = opts.contextWindowTokens ?? 200_000;
      if (promptTokens + (body.max_tokens as number) > window) {
        note(400);
        return send(
          400,
          errorBody(
            'invalid_request_error',
            `prompt is too long: ${promptTokens} tokens > ${window - (body.max_tokens as number)} maximum`,
            requestId,
          ),
        );
      }
      note(200);
      const replyFault = fault ? (fault.kind as ReplyFaultKind) : undefined;
      // A request offering propose_tasks (flotilla discover --instruction) gets a deterministic split of the instruction;
      // one that offers the verdict tool is a reviewer's (dev/stand-in-reviewer.ts).
      const reply: Reply = propose
        ? proposeReply(messages, propose)
        : kind === 'review'
          ? reviewerReply(messages, replyFault)
          : nextReply(messages, replyFault);
      const outputTokens =
        reply.stop_reason === 'max_tokens' ? (body.max_tokens as number) : tokensOf(JSON.stringify(reply.content));
      const message = {
        id: id('msg'),
        type: 'message',
        role: 'assistant',
        model: body.model,
        content: reply.content,
        stop_reason: reply.stop_reason,
        stop_sequence: null,
        ...(reply.stop_details ? { stop_details: reply.stop_details } : {}),
        usage: { ...cache.use(body), output_tokens: outputTokens },
      };
      const timer = setTimeout(() => {
        delayed.delete(timer);
        send(200, message);
      }, opts.latencyMs ?? 0);
      delayed.add(timer);
    });
  });
  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get requests() {
      return state.requests;
    },
    fired: plan.fired,
    bodies,
    log,
    close: () =>
      new Promise<void>((resolve) => {
        for (const timer of delayed) clearTimeout(timer);
        delayed.clear();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
