import Anthropic from '@anthropic-ai/sdk';
import { Context } from '@temporalio/activity';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type { AgentOutcome, TaskRef } from '../../core/types';
import { addUsage } from '../../core/usage';
import { freshWorktree } from '../git/worktrees';
import { heartbeatSafe } from '../heartbeat';
import { integrationWorktree, taskDir, taskWorktree } from '../run-paths';
import { prepareEnvironment } from '../test-runs/dependencies';
import { AgentLoopResult, AgentTool, runAgentLoop, totalTokens } from './agent-loop';
import { systemPrompt, taskPrompt } from './agent-prompt';
import { classifyApiError } from './classify-api-error';
import { WorktreeEditor } from './editor-tool';
import { readConventions } from './repo-conventions';
import { makeRunTestsTool, RUN_TESTS_TOOL } from './run-tests-tool';
import { runSearch, SEARCH_TOOL } from './search-tool';
import { ledgerKey, SpentLedger } from './spent-ledger';

export interface ModelAccess {
  /** The key stays in the worker's memory: it never enters workflow inputs, history, logs or reports. */
  apiKey: string;
  baseURL?: string;
}

/** Why an agent run is not a change to test, or undefined when it is. */
function agentFailure(outcome: AgentLoopResult['outcome'], summary: string, maxTurns: number, edited: string[], tokenBudget?: number): string | undefined {
  if (outcome === 'over_budget') return `budget exceeded: the task used more than --max-tokens-per-task ${tokenBudget} tokens; its edits were discarded`;
  if (outcome === 'max_turns') return `the agent did not finish within its limit of ${maxTurns} turn${maxTurns === 1 ? '' : 's'}; raise --max-turns or split the task`;
  if (outcome === 'refusal') return `the model refused: ${summary}`;
  if (outcome === 'context_window') return `the conversation outgrew the model's context window; split the task`;
  if (edited.length === 0) return `the agent made no change${summary ? `: ${summary.slice(0, 300)}` : ''}`;
  return undefined;
}

/** The agent's tools besides the editor: read-only search and the task's own tests, both confined to the worktree. */
function agentTools(worktree: string, testCommand: string, logPath: (n: number) => string): AgentTool[] {
  const runTests = makeRunTestsTool({ command: testCommand, cwd: worktree, logPath, onTick: () => heartbeatSafe({ tests: true }) });
  return [
    { definition: SEARCH_TOOL, run: (input) => runSearch(worktree, input) },
    { definition: RUN_TESTS_TOOL, run: () => runTests() },
  ];
}

/** The activity's cancellation signal, so a cancelled task stops its model call; undefined outside an activity. */
function cancellationSignal(): AbortSignal | undefined {
  try {
    return Context.current().cancellationSignal;
  } catch {
    return undefined;
  }
}

/** Which try of this activity this is (Temporal's retries count from 1), and the run id of the workflow that asked; 1 and '' outside an activity. */
function activityTry(): { attempt: number; workflowRunId: string } {
  try {
    const info = Context.current().info;
    return { attempt: info.attempt, workflowRunId: info.workflowExecution?.runId ?? '' };
  } catch {
    return { attempt: 1, workflowRunId: '' };
  }
}

/** The agents queue's activity: the coding agent. Its worker's slots are --max-parallel, its rate --agent-rpm. */
export function makeAgentActivities(deps: { worktreeRoot: string; modelAccess: ModelAccess }) {
  const worktreeOf = (t: TaskRef) => taskWorktree(deps.worktreeRoot, t.runId, t.taskId);

  return {
    /**
     * Runs the agent on the task in a fresh worktree at `baseSha`. A retry (for example after a worker
     * crash) starts again from a clean worktree, so no edit is ever applied twice.
     */
    async runAgent(a: TaskRef & { baseSha: string; sourcePath: string; model: string; maxTurns: number; testCommand: string; attempt: number; feedback?: string; feedbackFrom?: 'tests' | 'review'; tokenBudget?: number; setupCommand?: string }): Promise<AgentOutcome> {
      const worktree = worktreeOf(a);
      const wt = await freshWorktree(a.repoPath, worktree, a.baseSha, path.join(integrationWorktree(deps.worktreeRoot, a.runId), 'node_modules'));
      if (a.setupCommand) await prepareEnvironment({ cwd: worktree, logDir: taskDir(a.repoPath, a.runId, a.taskId), setupCommand: a.setupCommand });
      const taskFile = await wt.raw(['show', `${a.baseSha}:${a.sourcePath}`]);
      // maxRetries 0: a failed call fails the activity, and Temporal's retry policy (with retry-after) decides.
      const client = new Anthropic({ apiKey: deps.modelAccess.apiKey, baseURL: deps.modelAccess.baseURL, maxRetries: 0, timeout: 5 * 60_000 });
      const editor = new WorktreeEditor(worktree);
      const dir = taskDir(a.repoPath, a.runId, a.taskId);
      const transcriptPath = path.join(dir, `transcript-${a.attempt}.json`);
      const tools = agentTools(worktree, a.testCommand, (n) => path.join(dir, `agent-tests-${a.attempt}-${n}.log`));
      const tried = activityTry();
      const ledger = new SpentLedger(dir, ledgerKey(tried.workflowRunId, a.attempt), tried.attempt);
      // What earlier tries of this activity already spent counts against the task's token budget too.
      const spentBefore = ledger.earlier();
      const tokenBudget = a.tokenBudget === undefined ? undefined : Math.max(0, a.tokenBudget - totalTokens(spentBefore));
      const history: Anthropic.MessageParam[] = [];
      let result;
      try {
        result = await runAgentLoop({
          client,
          model: a.model,
          system: systemPrompt(a.testCommand, readConventions(worktree), { search: true, runTests: true }),
          prompt: taskPrompt(a.taskId, taskFile, a.feedback, a.feedbackFrom),
          editor,
          tools,
          history,
          signal: cancellationSignal(),
          maxTurns: a.maxTurns,
          maxTokens: 8192,
          tokenBudget,
          onTurn: (turn, spent) => {
            ledger.record(spent);
            // The cost so far is for `flotilla watch` (heartbeat details live on the pending activity, not in history).
            heartbeatSafe({ turn, ...(spent.costUsd !== undefined ? { costUsd: spent.costUsd } : {}) });
          },
        });
      } catch (err) {
        throw classifyApiError(err, a.model, deps.modelAccess.baseURL);
      } finally {
        await fs.mkdir(dir, { recursive: true });
        await fs.writeFile(transcriptPath, JSON.stringify(history, null, 2));
      }
      const edited = [...editor.edited].filter((f) => f !== a.sourcePath).sort();
      const reason = agentFailure(result.outcome, result.summary, a.maxTurns, edited, a.tokenBudget);
      // Turns paid for by earlier tries of this activity that died mid-conversation are on the bill too.
      const usage = spentBefore;
      addUsage(usage, result.usage);
      return { ok: !reason, summary: result.summary, edited, turns: result.turns, usage, transcriptPath, ...(reason ? { reason } : {}) };
    },
  };
}
