import { randomBytes } from 'node:crypto';
import * as http from 'node:http';
import { AddressInfo } from 'node:net';
import { parseChangeBlocks } from '../planner/parse-task';

/**
 * The stand-in model: a local HTTP server speaking the Anthropic Messages API (POST /v1/messages).
 * It reads the task from the conversation and answers with one str_replace_based_edit_tool call per
 * SEARCH/REPLACE block of the task's Change section, one per turn, then an end_turn summary.
 * It never reads the disk: everything it knows comes from the request.
 */

type Block = { type: string; [k: string]: unknown };
type Message = { role: 'user' | 'assistant'; content: string | Block[] };

const EDITOR = 'str_replace_based_edit_tool';
const id = (prefix: string) => `${prefix}_${randomBytes(12).toString('hex')}`;
const tokens = (s: string) => Math.max(1, Math.ceil(s.length / 4));

function textOf(content: string | Block[]): string {
  if (typeof content === 'string') return content;
  return content
    .map((b) => (b.type === 'text' ? String(b.text) : b.type === 'tool_result' ? JSON.stringify(b.content ?? '') : ''))
    .join('\n');
}

function errorBody(type: string, message: string, requestId: string) {
  return { type: 'error', error: { type, message }, request_id: requestId };
}

/** Decides the next assistant message from the conversation so far. Pure. */
export function nextReply(messages: Message[]): { content: Block[]; stop_reason: string } {
  const first = messages.find((m) => m.role === 'user');
  const taskText = first ? textOf(first.content) : '';
  const taskFile = /<task_file>([\s\S]*?)<\/task_file>/.exec(taskText)?.[1] ?? taskText;
  const taskId = /\b(TASK-[A-Za-z0-9_-]+)/.exec(taskText)?.[1] ?? 'the task';
  const title = /^title:\s*(.+)$/m.exec(taskFile)?.[1]?.trim() ?? '';
  const { blocks } = parseChangeBlocks(taskFile);

  const done = messages.filter((m) => m.role === 'assistant' && Array.isArray(m.content)).flatMap((m) => (m.content as Block[]).filter((b) => b.type === 'tool_use'));
  const last = messages[messages.length - 1];
  const lastErrors = Array.isArray(last?.content) ? last.content.filter((b) => b.type === 'tool_result' && b.is_error) : [];
  if (lastErrors.length) {
    const why = textOf(lastErrors as Block[]).slice(0, 500);
    return { content: [{ type: 'text', text: `I could not apply the change for ${taskId}: ${why}` }], stop_reason: 'end_turn' };
  }
  if (done.length < blocks.length) {
    const b = blocks[done.length];
    const input = b.search ? { command: 'str_replace', path: b.path, old_str: b.search, new_str: b.replace } : { command: 'create', path: b.path, file_text: b.replace };
    return {
      content: [
        { type: 'text', text: `Applying change ${done.length + 1} of ${blocks.length} to ${b.path}.` },
        { type: 'tool_use', id: id('toolu'), name: EDITOR, input },
      ],
      stop_reason: 'tool_use',
    };
  }
  const files = [...new Set(blocks.map((b) => b.path))];
  const summary = blocks.length
    ? `${title || `Completed ${taskId}`}. Edited ${files.join(', ')} (${blocks.length} change${blocks.length === 1 ? '' : 's'}).`
    : `${taskId} has no Change section I can apply, so I made no edits.`;
  return { content: [{ type: 'text', text: summary }], stop_reason: 'end_turn' };
}

export interface StandInModel {
  url: string;
  requests: number;
  close(): Promise<void>;
}

export async function startStandInModel(opts: { port?: number; host?: string; latencyMs?: number } = {}): Promise<StandInModel> {
  const state = { requests: 0 };
  const server = http.createServer((req, res) => {
    const requestId = id('req');
    const send = (status: number, body: unknown) => {
      const data = JSON.stringify(body);
      res.writeHead(status, { 'content-type': 'application/json', 'request-id': requestId, 'content-length': Buffer.byteLength(data) });
      res.end(data);
    };
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      state.requests++;
      const url = (req.url ?? '').split('?')[0];
      if (req.method !== 'POST' || url !== '/v1/messages') {
        return send(404, errorBody('not_found_error', `${req.method} ${url} not found; the stand-in serves POST /v1/messages`, requestId));
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
      if (typeof body.model !== 'string' || !body.model) return send(400, errorBody('invalid_request_error', 'model: Field required', requestId));
      if (typeof body.max_tokens !== 'number') return send(400, errorBody('invalid_request_error', 'max_tokens: Field required', requestId));
      if (!Array.isArray(body.messages) || !body.messages.length) return send(400, errorBody('invalid_request_error', 'messages: at least one message is required', requestId));
      const reply = nextReply(body.messages as Message[]);
      const inputText = JSON.stringify([body.system ?? '', body.tools ?? [], body.messages]);
      const message = {
        id: id('msg'),
        type: 'message',
        role: 'assistant',
        model: body.model,
        content: reply.content,
        stop_reason: reply.stop_reason,
        stop_sequence: null,
        usage: { input_tokens: tokens(inputText), output_tokens: tokens(JSON.stringify(reply.content)), cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
      };
      setTimeout(() => send(200, message), opts.latencyMs ?? 0);
    });
  });
  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get requests() {
      return state.requests;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
