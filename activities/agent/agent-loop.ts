import type Anthropic from '@anthropic-ai/sdk';
import type { TokenUsage } from '../../core/types';
import { noUsage } from '../../core/usage';
import { EDITOR_TOOL, type EditorInput, type ToolOutcome, type WorktreeEditor } from './editor-tool';
import { turnCostUsd } from './pricing';
import { withCacheBreakpoints } from './prompt-cache';
import { contextWindowOf, fitConversation } from './context-budget';

/** A custom tool the agent may call besides the text editor. */
export interface AgentTool {
  definition: Anthropic.Tool | Anthropic.ToolTextEditor20250728;
  run(input: Record<string, unknown>): ToolOutcome | Promise<ToolOutcome>;
}

export interface AgentLoopOptions {
  client: Anthropic;
  model: string;
  system: string;
  prompt: string;
  editor: WorktreeEditor;
  /** More tools (search, run_tests); the text editor is always first. */
  tools?: AgentTool[];
  maxTurns: number;
  maxTokens: number;
  /** Stop once the task has used this many tokens in all (input, output and cache), if set. */
  tokenBudget?: number;
  /** Filled with the conversation as it goes, so a caller can save it even when a model call fails. */
  history?: Anthropic.MessageParam[];
  /** Aborts the model call in flight (the activity's cancellation signal). */
  signal?: AbortSignal;
  /** Called after every model turn (activities heartbeat here). */
  onTurn?: (turn: number, usage: TokenUsage) => void;
  /** Called once a turn is complete (its tool calls run, their results in `history`), before the next request. */
  onCheckpoint?: (turn: number, lastText: string) => Promise<void>;
  /** Go on from a checkpoint: `history` already holds its messages; the next request is turn `turn + 1`. */
  resume?: { turn: number; lastText: string };
}

export interface AgentLoopResult {
  /** ok: the model ended its turn; otherwise why it stopped. */
  outcome: 'ok' | 'max_turns' | 'refusal' | 'context_window' | 'over_budget';
  summary: string;
  turns: number;
  usage: TokenUsage;
  messages: Anthropic.MessageParam[];
}

export const CUT_OFF_TOOL_CALL =
  'Your last reply was cut off at the output limit, so its tool call was not run. Continue with smaller steps: one short edit per tool call.';
export const CUT_OFF_TEXT =
  'Your last reply was cut off at the output limit. Continue where you stopped, more briefly.';
/** After an empty end_turn (no text, no tool call): a new user message, as the API's stop-reason guide says, never the same request again. */
export const EMPTY_REPLY =
  'Your last reply was empty. Please continue: call a tool for your next step, or, if the task is complete, reply with your summary (or with cannot: <reason>).';
/** A tool call cut off by max_tokens is asked again once in the same turn with this many times the output limit, up to MAX_OUTPUT_TOKENS. */
export const MAX_TOKENS_RETRY_FACTOR = 2;
export const MAX_OUTPUT_TOKENS = 32_000;

export const totalTokens = (u: TokenUsage) => u.inputTokens + u.outputTokens + u.cacheWriteTokens + u.cacheReadTokens;

/** One response's usage in Flotilla's shape (the SDK's fields may be missing or null). */
export function turnTokens(u: Anthropic.Usage | undefined): TokenUsage {
  return {
    inputTokens: u?.input_tokens ?? 0,
    outputTokens: u?.output_tokens ?? 0,
    cacheWriteTokens: u?.cache_creation_input_tokens ?? 0,
    cacheReadTokens: u?.cache_read_input_tokens ?? 0,
  };
}

/** Adds a turn to the total; the total has a cost only while every turn had one (`turnCost` undefined = unknown price). */
export function addTurn(
  total: TokenUsage,
  turn: TokenUsage,
  turnCost: number | undefined,
  pricedSoFar: boolean,
): boolean {
  total.inputTokens += turn.inputTokens;
  total.outputTokens += turn.outputTokens;
  total.cacheWriteTokens += turn.cacheWriteTokens;
  total.cacheReadTokens += turn.cacheReadTokens;
  if (!pricedSoFar || turnCost === undefined) {
    delete total.costUsd;
    return false;
  }
  total.costUsd = (total.costUsd ?? 0) + turnCost;
  return true;
}

function textOf(content: Anthropic.ContentBlock[]): string {
  return content
    .filter((b): b is Anthropic.TextBlock => b.type === 'text')
    .map((b) => b.text)
    .join('\n')
    .trim();
}

/** Appends text to the conversation as the user: into the last user message when there is one at the end (text after tool results). */
export function pushUserText(messages: Anthropic.MessageParam[], text: string): void {
  const last = messages[messages.length - 1];
  if (last?.role !== 'user') {
    messages.push({ role: 'user', content: text });
    return;
  }
  const blocks: Anthropic.ContentBlockParam[] =
    typeof last.content === 'string' ? [{ type: 'text', text: last.content }] : last.content;
  messages[messages.length - 1] = { role: 'user', content: [...blocks, { type: 'text', text }] };
}

async function runTool(
  tools: Map<string, AgentTool>,
  block: Anthropic.ToolUseBlock,
): Promise<Anthropic.ToolResultBlockParam> {
  const tool = tools.get(block.name);
  const input = block.input;
  let outcome: ToolOutcome;
  if (!tool)
    outcome = {
      content: `Error: unknown tool ${block.name}; the tools are ${[...tools.keys()].join(', ')}`,
      isError: true,
    };
  else if (!input || typeof input !== 'object' || Array.isArray(input))
    outcome = { content: 'Error: the tool input must be a JSON object', isError: true };
  else {
    try {
      outcome = await tool.run(input as Record<string, unknown>);
    } catch (err) {
      outcome = { content: `Error: ${(err as Error).message}`, isError: true };
    }
  }
  return {
    type: 'tool_result',
    tool_use_id: block.id,
    content: outcome.content,
    ...(outcome.isError ? { is_error: true } : {}),
  };
}

/** A short note of one tool call for the Web UI: `str_replace src/a.ts`, `search grep`, `run_tests`. */
export function toolNote(block: Anthropic.ToolUseBlock): string {
  const input = (block.input && typeof block.input === 'object' ? block.input : {}) as Record<string, unknown>;
  const word = (v: unknown) => (typeof v === 'string' ? v.replace(/\s+/g, ' ').slice(0, 80) : '');
  if (block.name === EDITOR_TOOL.name)
    return [word(input.command) || 'edit', word(input.path)].filter(Boolean).join(' ');
  if (block.name === 'search') return ['search', word(input.command)].filter(Boolean).join(' ');
  return block.name.slice(0, 40);
}

/** The editor and the other tools of a conversation, by name, and their definitions for the request. */
export function toolbox(
  editor: WorktreeEditor | (() => WorktreeEditor),
  more: AgentTool[] = [],
): { tools: Map<string, AgentTool>; definitions: AgentTool['definition'][] } {
  const editorOf = typeof editor === 'function' ? editor : () => editor;
  const editorTool: AgentTool = { definition: EDITOR_TOOL, run: (input) => editorOf().run(input as EditorInput) };
  const tools = new Map([editorTool, ...more].map((t) => [t.definition.name, t] as const));
  return { tools, definitions: [...tools.values()].map((t) => t.definition) };
}

export interface TurnOptions {
  client: Anthropic;
  model: string;
  system: string;
  maxTokens: number;
  tools: Map<string, AgentTool>;
  definitions: AgentTool['definition'][];
  /** Aborts the model call in flight (the activity's cancellation signal). */
  signal?: AbortSignal;
  /** Tokens the conversation may still use (its budget minus what earlier turns used), if it has a budget. */
  tokensLeft?: number;
  /** Called as soon as the model has answered, before any tool runs (the spend ledger, heartbeats). */
  onAnswered?: (usage: TokenUsage) => void;
  /** What the tools need before they run (the worktree, prepared while the first request is in flight). */
  ready?: Promise<unknown>;
  /** The model's context window in tokens (default: by model id, context-budget.ts). */
  contextWindow?: number;
}

/** One turn: what came of it. The conversation (`messages`) has the turn appended. */
export interface TurnStep {
  /** continue: the model asked for tools (run, their results appended) or was cut off; the next request goes on. */
  outcome: 'continue' | 'ok' | 'refusal' | 'context_window' | 'over_budget';
  /** The agent's last words so far (its summary when it ended), or why it refused. */
  text: string;
  /** This turn's tokens, with its cost when the model has a price. */
  usage: TokenUsage;
  /** The tool calls it ran, as short notes (toolNote). */
  calls: string[];
}

/**
 * One model turn: ask the model once, run the tool calls it makes (in order, all results in one user message).
 * The assistant's content goes back verbatim, so thinking blocks round-trip unchanged. A tool call cut off by
 * max_tokens is never executed. `lastText` is the agent's last words before this turn.
 */
export async function runTurn(o: TurnOptions, messages: Anthropic.MessageParam[], lastText: string): Promise<TurnStep> {
  // The conversation's budget: old tool results trimmed when it nears the window; a request that cannot fit is not sent.
  const fitted = fitConversation(
    { system: o.system, tools: o.definitions, messages },
    o.contextWindow ?? contextWindowOf(o.model),
    o.maxTokens,
  );
  if (!fitted.fits) return { outcome: 'context_window', text: lastText, usage: noUsage(), calls: [] };
  const usage = noUsage();
  let priced = true;
  let response: Anthropic.Message;
  for (let maxTokens = o.maxTokens; ; maxTokens = Math.min(MAX_OUTPUT_TOKENS, maxTokens * MAX_TOKENS_RETRY_FACTOR)) {
    const request = {
      model: o.model,
      max_tokens: maxTokens,
      ...withCacheBreakpoints({ tools: o.definitions, system: o.system, messages }),
    };
    response = await o.client.messages.create(request, { signal: o.signal });
    const t = turnTokens(response.usage);
    priced = addTurn(usage, t, turnCostUsd(o.model, t) ?? turnCostUsd(response.model, t), priced);
    o.onAnswered?.({ ...usage });
    // A tool call cut off by the output limit: the same request once more with a higher limit (the API's stop-reason guide).
    const cutCall = response.stop_reason === 'max_tokens' && response.content.some((b) => b.type === 'tool_use');
    if (!cutCall || maxTokens >= MAX_OUTPUT_TOKENS || maxTokens > o.maxTokens) break;
  }
  await o.ready;
  const text = textOf(response.content);
  const step = (outcome: TurnStep['outcome'], said: string, calls: string[] = []): TurnStep => ({
    outcome,
    text: said,
    usage,
    calls,
  });
  if (o.tokensLeft !== undefined && totalTokens(usage) > o.tokensLeft && response.stop_reason !== 'end_turn') {
    // Tool calls of this turn are not run: the task is over its budget.
    messages.push({ role: 'assistant', content: response.content });
    return step('over_budget', text || lastText);
  }
  if (text) lastText = text;
  switch (response.stop_reason) {
    case 'tool_use': {
      messages.push({ role: 'assistant', content: response.content });
      const results: Anthropic.ToolResultBlockParam[] = [];
      const calls: string[] = [];
      for (const block of response.content) {
        if (block.type !== 'tool_use') continue;
        calls.push(toolNote(block));
        results.push(await runTool(o.tools, block));
      }
      messages.push({ role: 'user', content: results });
      return step('continue', lastText, calls);
    }
    case 'max_tokens': {
      // Drop a tool call that was cut off (never run a partial input); keep complete text, ask for smaller steps.
      const cut = response.content.some((b) => b.type === 'tool_use');
      const kept = response.content.filter((b) => b.type !== 'tool_use' && !(b.type === 'text' && !b.text));
      if (kept.some((b) => b.type === 'text' && b.text.trim())) messages.push({ role: 'assistant', content: kept });
      pushUserText(messages, cut ? CUT_OFF_TOOL_CALL : CUT_OFF_TEXT);
      return step('continue', lastText, cut ? ['(cut off)'] : []);
    }
    case 'pause_turn':
      messages.push({ role: 'assistant', content: response.content });
      return step('continue', lastText);
    case 'refusal': {
      const why = response.stop_details?.explanation ?? text;
      return step('refusal', why || 'the model declined the task');
    }
    case 'model_context_window_exceeded':
      return step('context_window', lastText);
    default: {
      // An empty end_turn (no text, no tool call): not sent back as it is; a new user message asks it to go on, once.
      const empty =
        response.stop_reason === 'end_turn' && !text && !response.content.some((b) => b.type === 'tool_use');
      const askedAlready =
        messages[messages.length - 1]?.role === 'user' && messages[messages.length - 1].content === EMPTY_REPLY;
      if (empty && !askedAlready) {
        messages.push({ role: 'user', content: EMPTY_REPLY });
        return step('continue', lastText, ['(empty reply)']);
      }
      // end_turn, stop_sequence, or anything newer: the model is done.
      if (response.content.length) messages.push({ role: 'assistant', content: response.content });
      return step('ok', lastText);
    }
  }
}

/**
 * The tool loop: turns (runTurn) until the model ends its turn, refuses, outgrows its context, goes over the
 * budget or reaches maxTurns. The durable shape (workflows/agent-turns.ts) runs the same turns one activity each.
 */
export async function runAgentLoop(o: AgentLoopOptions): Promise<AgentLoopResult> {
  const { tools, definitions } = toolbox(o.editor, o.tools);
  const usage = noUsage();
  let priced = true;
  const messages = o.history ?? [];
  if (!o.resume) messages.push({ role: 'user', content: o.prompt });
  let lastText = o.resume?.lastText ?? '';
  for (let turn = (o.resume?.turn ?? 0) + 1; turn <= o.maxTurns; turn++) {
    const step = await runTurn(
      {
        client: o.client,
        model: o.model,
        system: o.system,
        maxTokens: o.maxTokens,
        tools,
        definitions,
        signal: o.signal,
        ...(o.tokenBudget !== undefined ? { tokensLeft: o.tokenBudget - totalTokens(usage) } : {}),
        onAnswered: (u) => {
          priced = addTurn(usage, u, u.costUsd, priced);
          o.onTurn?.(turn, usage);
        },
      },
      messages,
      lastText,
    );
    lastText = step.text;
    if (step.outcome !== 'continue') return { outcome: step.outcome, summary: step.text, turns: turn, usage, messages };
    await o.onCheckpoint?.(turn, lastText);
  }
  return { outcome: 'max_turns', summary: lastText, turns: o.maxTurns, usage, messages };
}
