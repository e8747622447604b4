import type Anthropic from '@anthropic-ai/sdk';
import type { TokenUsage } from '../../core/types';
import { noUsage } from '../../core/usage';
import { EDITOR_TOOL, EditorInput, ToolOutcome, WorktreeEditor } from './editor-tool';
import { turnCostUsd } from './pricing';
import { withCacheBreakpoints } from './prompt-cache';


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
export const CUT_OFF_TEXT = 'Your last reply was cut off at the output limit. Continue where you stopped, more briefly.';

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
export function addTurn(total: TokenUsage, turn: TokenUsage, turnCost: number | undefined, pricedSoFar: boolean): boolean {
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
  const blocks: Anthropic.ContentBlockParam[] = typeof last.content === 'string' ? [{ type: 'text', text: last.content }] : last.content;
  messages[messages.length - 1] = { role: 'user', content: [...blocks, { type: 'text', text }] };
}

async function runTool(tools: Map<string, AgentTool>, block: Anthropic.ToolUseBlock): Promise<Anthropic.ToolResultBlockParam> {
  const tool = tools.get(block.name);
  const input = block.input;
  let outcome: ToolOutcome;
  if (!tool) outcome = { content: `Error: unknown tool ${block.name}; the tools are ${[...tools.keys()].join(', ')}`, isError: true };
  else if (!input || typeof input !== 'object' || Array.isArray(input)) outcome = { content: 'Error: the tool input must be a JSON object', isError: true };
  else {
    try {
      outcome = await tool.run(input as Record<string, unknown>);
    } catch (err) {
      outcome = { content: `Error: ${(err as Error).message}`, isError: true };
    }
  }
  return { type: 'tool_result', tool_use_id: block.id, content: outcome.content, ...(outcome.isError ? { is_error: true } : {}) };
}

/**
 * The tool loop: ask the model, run the tool calls it makes (in order, all results in one user message),
 * until it ends its turn. The assistant's content goes back verbatim, so thinking blocks round-trip
 * unchanged. A tool call cut off by max_tokens is never executed.
 */
export async function runAgentLoop(o: AgentLoopOptions): Promise<AgentLoopResult> {
  const editorTool: AgentTool = { definition: EDITOR_TOOL, run: (input) => o.editor.run(input as EditorInput) };
  const tools = new Map([editorTool, ...(o.tools ?? [])].map((t) => [t.definition.name, t] as const));
  const definitions = [...tools.values()].map((t) => t.definition);
  const usage = noUsage();
  let priced = true;
  const messages = o.history ?? [];
  if (!o.resume) messages.push({ role: 'user', content: o.prompt });
  let lastText = o.resume?.lastText ?? '';
  for (let turn = (o.resume?.turn ?? 0) + 1; turn <= o.maxTurns; turn++) {
    const request = { model: o.model, max_tokens: o.maxTokens, ...withCacheBreakpoints({ tools: definitions, system: o.system, messages }) };
    const response = await o.client.messages.create(request, { signal: o.signal });
    const t = turnTokens(response.usage);
    priced = addTurn(usage, t, turnCostUsd(o.model, t) ?? turnCostUsd(response.model, t), priced);
    o.onTurn?.(turn, usage);
    const text = textOf(response.content);
    if (o.tokenBudget !== undefined && totalTokens(usage) > o.tokenBudget && response.stop_reason !== 'end_turn') {
      // Tool calls of this turn are not run: the task is over its budget.
      messages.push({ role: 'assistant', content: response.content });
      return { outcome: 'over_budget', summary: text || lastText, turns: turn, usage, messages };
    }
    if (text) lastText = text;
    switch (response.stop_reason) {
      case 'tool_use': {
        messages.push({ role: 'assistant', content: response.content });
        const results: Anthropic.ToolResultBlockParam[] = [];
        for (const block of response.content) if (block.type === 'tool_use') results.push(await runTool(tools, block));
        messages.push({ role: 'user', content: results });
        break;
      }
      case 'max_tokens': {
        // Drop a tool call that was cut off (never run a partial input); keep complete text, ask for smaller steps.
        const cut = response.content.some((b) => b.type === 'tool_use');
        const kept = response.content.filter((b) => b.type !== 'tool_use' && !(b.type === 'text' && !b.text));
        if (kept.some((b) => b.type === 'text' && b.text.trim())) messages.push({ role: 'assistant', content: kept });
        pushUserText(messages, cut ? CUT_OFF_TOOL_CALL : CUT_OFF_TEXT);
        break;
      }
      case 'pause_turn':
        messages.push({ role: 'assistant', content: response.content });
        break;
      case 'refusal': {
        const why = response.stop_details?.explanation ?? text;
        return { outcome: 'refusal', summary: why || 'the model declined the task', turns: turn, usage, messages };
      }
      case 'model_context_window_exceeded':
        return { outcome: 'context_window', summary: lastText, turns: turn, usage, messages };
      default:
        // end_turn, stop_sequence, or anything newer: the model is done.
        messages.push({ role: 'assistant', content: response.content });
        return { outcome: 'ok', summary: lastText, turns: turn, usage, messages };
    }
    await o.onCheckpoint?.(turn, lastText);
  }
  return { outcome: 'max_turns', summary: lastText, turns: o.maxTurns, usage, messages };
}
