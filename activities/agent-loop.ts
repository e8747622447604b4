import type Anthropic from '@anthropic-ai/sdk';
import { EditorInput, WorktreeEditor } from './editor-tool';

export interface TokenUsage {
  inputTokens: number;
  outputTokens: number;
  cacheWriteTokens: number;
  cacheReadTokens: number;
  /** Dollars, from the price table; absent for a model without known prices. */
  costUsd?: number;
}

export const emptyUsage = (): TokenUsage => ({ inputTokens: 0, outputTokens: 0, cacheWriteTokens: 0, cacheReadTokens: 0 });

export interface AgentLoopOptions {
  client: Anthropic;
  model: string;
  system: string;
  prompt: string;
  editor: WorktreeEditor;
  maxTurns: number;
  maxTokens: number;
  /** Called after every model turn (activities heartbeat here). */
  onTurn?: (turn: number, usage: TokenUsage) => void;
}

export interface AgentLoopResult {
  /** ok: the model ended its turn; otherwise why it stopped. */
  outcome: 'ok' | 'max_turns' | 'refusal';
  summary: string;
  turns: number;
  usage: TokenUsage;
  messages: Anthropic.MessageParam[];
}

const EDITOR_TOOL = { type: 'text_editor_20250728', name: 'str_replace_based_edit_tool' } as const;

function addUsage(total: TokenUsage, u: Anthropic.Usage | undefined): void {
  if (!u) return;
  total.inputTokens += u.input_tokens ?? 0;
  total.outputTokens += u.output_tokens ?? 0;
  total.cacheWriteTokens += u.cache_creation_input_tokens ?? 0;
  total.cacheReadTokens += u.cache_read_input_tokens ?? 0;
}

function textOf(content: Anthropic.ContentBlock[]): string {
  return content
    .filter((b): b is Anthropic.TextBlock => b.type === 'text')
    .map((b) => b.text)
    .join('\n')
    .trim();
}

/**
 * The tool loop: ask the model, run the text editor calls it makes inside the worktree, send back
 * the results, until it ends its turn. A tool call cut off by max_tokens is never executed.
 */
export async function runAgentLoop(o: AgentLoopOptions): Promise<AgentLoopResult> {
  const usage = emptyUsage();
  const messages: Anthropic.MessageParam[] = [{ role: 'user', content: o.prompt }];
  let lastText = '';
  for (let turn = 1; turn <= o.maxTurns; turn++) {
    const response = await o.client.messages.create({
      model: o.model,
      max_tokens: o.maxTokens,
      system: [{ type: 'text', text: o.system, cache_control: { type: 'ephemeral' } }],
      tools: [EDITOR_TOOL],
      messages,
    });
    addUsage(usage, response.usage);
    o.onTurn?.(turn, usage);
    const text = textOf(response.content);
    if (text) lastText = text;
    switch (response.stop_reason) {
      case 'tool_use': {
        messages.push({ role: 'assistant', content: response.content });
        const results: Anthropic.ToolResultBlockParam[] = [];
        for (const block of response.content) {
          if (block.type !== 'tool_use') continue;
          const outcome =
            block.name === EDITOR_TOOL.name
              ? o.editor.run(block.input as EditorInput)
              : { content: `Error: unknown tool ${block.name}; the only tool is ${EDITOR_TOOL.name}`, isError: true };
          results.push({ type: 'tool_result', tool_use_id: block.id, content: outcome.content, is_error: outcome.isError });
        }
        messages.push({ role: 'user', content: results });
        break;
      }
      case 'max_tokens': {
        // Drop a tool call that was cut off; keep what was complete and ask for smaller steps.
        const complete = response.content.filter((b) => b.type !== 'tool_use');
        if (complete.length) messages.push({ role: 'assistant', content: complete });
        messages.push({ role: 'user', content: 'Your last reply was cut off at the output limit and its tool call was not run. Continue with smaller edits.' });
        break;
      }
      case 'pause_turn':
        messages.push({ role: 'assistant', content: response.content });
        break;
      case 'refusal':
        return { outcome: 'refusal', summary: text || 'the model refused the task', turns: turn, usage, messages };
      default:
        // end_turn, stop_sequence, or anything newer: the model is done.
        messages.push({ role: 'assistant', content: response.content });
        return { outcome: 'ok', summary: lastText, turns: turn, usage, messages };
    }
  }
  return { outcome: 'max_turns', summary: lastText, turns: o.maxTurns, usage, messages };
}
