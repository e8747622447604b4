import type Anthropic from '@anthropic-ai/sdk';
import type { TokenUsage } from '../../core/types';
import { noUsage } from '../../core/usage';
import { addTurn, type AgentTool, pushUserText, turnTokens } from '../agent/agent-loop';
import type { ToolOutcome } from '../agent/editor-tool';
import { turnCostUsd } from '../agent/pricing';
import { withCacheBreakpoints } from '../agent/prompt-cache';
import { parseVerdict, REVIEW_TOOL, REVIEW_TOOL_NAME, type Verdict } from './review-tool';

export interface ReviewLoopOptions {
  client: Anthropic;
  model: string;
  system: string;
  prompt: string;
  /** Read-only tools (view, search); the verdict tool is always added last. */
  tools: AgentTool[];
  maxTurns: number;
  /** Force the verdict tool from the first turn (a review without tools to look around with). */
  decideAtOnce?: boolean;
  maxTokens?: number;
  history?: Anthropic.MessageParam[];
  signal?: AbortSignal;
  onTurn?: (turn: number, usage: TokenUsage) => void;
}

export interface ReviewLoopResult {
  /** The verdict, or undefined when the reviewer gave none (refused, or ran out of turns). */
  verdict?: Verdict;
  /** Why there is no verdict. */
  problem?: string;
  turns: number;
  usage: TokenUsage;
}

export const ASK_FOR_VERDICT = `Please decide now: call ${REVIEW_TOOL_NAME} with your verdict.`;

async function runTool(
  tools: Map<string, AgentTool>,
  block: Anthropic.ToolUseBlock,
): Promise<Anthropic.ToolResultBlockParam> {
  const tool = tools.get(block.name);
  let outcome: ToolOutcome;
  if (!tool)
    outcome = {
      content: `Error: unknown tool ${block.name}; the tools are ${[...tools.keys(), REVIEW_TOOL_NAME].join(', ')}`,
      isError: true,
    };
  else {
    try {
      outcome = await tool.run((block.input ?? {}) as Record<string, unknown>);
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

/**
 * The reviewer's tool loop: it may look around with read-only tools, and ends when it calls the verdict
 * tool with a valid verdict. The last turn (and any turn after it ended without one) forces the verdict tool.
 * The assistant's content goes back verbatim (thinking blocks round-trip unchanged).
 */
export async function runReviewLoop(o: ReviewLoopOptions): Promise<ReviewLoopResult> {
  const tools = new Map(o.tools.map((t) => [t.definition.name, t] as const));
  const definitions: Anthropic.ToolUnion[] = [...o.tools.map((t) => t.definition), REVIEW_TOOL];
  const usage = noUsage();
  let priced = true;
  const messages = o.history ?? [];
  messages.push({ role: 'user', content: o.prompt });
  let force = !!o.decideAtOnce;
  for (let turn = 1; turn <= o.maxTurns; turn++) {
    const mustDecide = force || turn === o.maxTurns;
    const request = {
      model: o.model,
      max_tokens: o.maxTokens ?? 4096,
      ...withCacheBreakpoints({ tools: definitions, system: o.system, messages }),
      tool_choice: mustDecide ? ({ type: 'tool', name: REVIEW_TOOL_NAME } as const) : ({ type: 'auto' } as const),
    };
    const response = await o.client.messages.create(request, { signal: o.signal });
    const t = turnTokens(response.usage);
    priced = addTurn(usage, t, turnCostUsd(o.model, t) ?? turnCostUsd(response.model, t), priced);
    o.onTurn?.(turn, usage);
    const calls = response.content.filter((b): b is Anthropic.ToolUseBlock => b.type === 'tool_use');
    if (response.stop_reason === 'refusal')
      return {
        problem: `the reviewer refused: ${response.stop_details?.explanation ?? 'no reason given'}`,
        turns: turn,
        usage,
      };
    if (response.stop_reason === 'max_tokens') {
      const kept = response.content.filter((b) => b.type !== 'tool_use' && !(b.type === 'text' && !b.text));
      if (kept.some((b) => b.type === 'text' && b.text.trim())) messages.push({ role: 'assistant', content: kept });
      pushUserText(
        messages,
        `Your last reply was cut off at the output limit. ${ASK_FOR_VERDICT} Keep the comments short.`,
      );
      force = true;
      continue;
    }
    messages.push({ role: 'assistant', content: response.content });
    if (response.stop_reason === 'pause_turn') continue;
    if (!calls.length) {
      pushUserText(messages, ASK_FOR_VERDICT);
      force = true;
      continue;
    }
    const results: Anthropic.ToolResultBlockParam[] = [];
    for (const block of calls) {
      if (block.name !== REVIEW_TOOL_NAME) {
        results.push(await runTool(tools, block));
        continue;
      }
      const verdict = parseVerdict(block.input);
      if (!('error' in verdict)) return { verdict, turns: turn, usage };
      results.push({ type: 'tool_result', tool_use_id: block.id, content: `Error: ${verdict.error}`, is_error: true });
      force = true;
    }
    messages.push({ role: 'user', content: results });
  }
  return { problem: `the reviewer gave no verdict within ${o.maxTurns} turns`, turns: o.maxTurns, usage };
}
