import Anthropic from '@anthropic-ai/sdk';
import { Context } from '@temporalio/activity';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { AgentLoopResult, AgentTool, runAgentLoop, totalTokens } from './agent-loop';
import { systemPrompt, taskPrompt } from './agent-prompt';
import { WorktreeEditor } from './editor-tool';
import { gitAt, taskRef, trailers } from './git';
import { heartbeatSafe } from './heartbeat';
import { readConventions } from './repo-conventions';
import { runCommand } from './run-command';
import { makeRunTestsTool, RUN_TESTS_TOOL } from './run-tests-tool';
import { runSearch, SEARCH_TOOL } from './search-tool';
import { selectTaskTests } from './select-tests';
import { ledgerKey, SpentLedger, spentByTaskRun } from './spent-ledger';
import { addUsage } from '../workflows/usage';
import { integrationWorktree, taskDir, taskWorktree } from './run-paths';
import { prepareEnvironment } from './dependencies';
import { gatedTestRun } from './gated-run';
import { AgentOutcome, Baseline, TaskRef, TestEvidence, TokenUsage } from './types';
import { freshWorktree, removeWorktree } from './worktrees';

/** Paths that hold tests: a task may change them but never delete them. */
const TEST_FILE = /(^|\/)(test|tests|__tests__|spec)\/|\.(test|spec)\.[cm]?[jt]sx?$|(^|\/)test_[^/]+\.py$|_test\.(go|py)$/;

export interface ModelAccess {
  /** The key stays in the worker's memory: it never enters workflow inputs, history, logs or reports. */
  apiKey: string;
  baseURL?: string;
}

/** How long the API asked us to wait (retry-after-ms, then retry-after in seconds or as an HTTP date), in ms. */
export function retryAfterMs(headers: Headers | undefined): number | undefined {
  const ms = Number(headers?.get('retry-after-ms') ?? NaN);
  if (Number.isFinite(ms) && ms > 0) return Math.ceil(ms);
  const value = headers?.get('retry-after');
  if (!value) return undefined;
  const seconds = Number(value);
  const wait = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(value) - Date.now();
  return Number.isFinite(wait) && wait > 0 ? Math.ceil(wait) : undefined;
}

/**
 * Maps an API failure to what Temporal should do. Configuration problems (400/401/402/403/404/422) are
 * final (AgentConfigError, which stops the run) with a message that says what to fix; a request too large
 * is final for this task only; rate limits, overload, 5xx, timeouts and dropped connections retry, after
 * the retry-after the API asked for. The SDK itself never retries (maxRetries 0): Temporal is in charge.
 */
export function classifyApiError(err: unknown, model: string, baseURL?: string): unknown {
  const where = baseURL ? ` at ${baseURL}` : '';
  if (err instanceof Anthropic.APIUserAbortError) return new CancelledFailure('the model call was aborted because the activity was cancelled');
  if (err instanceof Anthropic.APIConnectionTimeoutError) {
    return ApplicationFailure.retryable(`the model API${where} did not answer in time (${err.message}); Temporal retries the task.`, 'ModelApiError');
  }
  if (err instanceof Anthropic.APIConnectionError) {
    const cause = (err.cause as Error | undefined)?.message;
    return ApplicationFailure.retryable(`could not reach the model API${where} (${err.message}${cause ? `: ${cause}` : ''}); Temporal retries the task. If this persists, check ANTHROPIC_BASE_URL and the network.`, 'ModelApiError');
  }
  if (!(err instanceof Anthropic.APIError) || err.status === undefined) return err;
  const status = err.status;
  const detail = `${status}${err.type ? ` ${err.type}` : ''}: ${err.apiMessage ?? err.message}${err.requestID ? ` (request ${err.requestID})` : ''}`;
  const final = (message: string, type = 'AgentConfigError') => ApplicationFailure.nonRetryable(message, type);
  if (status === 401) return final(`ANTHROPIC_API_KEY was rejected (${detail}). Set a valid key, or unset it to use the stand-in model.`);
  if (status === 402) return final(`the Anthropic account cannot be billed (${detail}). Add credits or a payment method in the Anthropic Console.`);
  if (status === 403) return final(`the API key may not use ${model} (${detail}). Use a key with access to it, or pick another model with --model or FLOTILLA_MODEL.`);
  if (status === 404) return final(`model ${model} was not found${where} (${detail}). Set --model or FLOTILLA_MODEL to a model id such as claude-haiku-4-5, and check that ANTHROPIC_BASE_URL does not end in /v1.`);
  if (status === 413) return final(`the conversation grew too large for one request (${detail}); the task is skipped. Split it into smaller tasks.`, 'ModelRequestError');
  if (status === 400 || status === 422) return final(`the model API rejected the request (${detail}). Check --model/FLOTILLA_MODEL and ANTHROPIC_BASE_URL; if they are right, this is a Flotilla bug: report it with the transcript.`);
  const wait = retryAfterMs(err.headers);
  const what = status === 429 ? 'rate limited' : status === 529 ? 'overloaded' : `failed`;
  return ApplicationFailure.create({
    message: `the model API${where} ${what} (${detail}); Temporal retries the task${wait ? ` in ${Math.ceil(wait / 1000)} s, as the API asked` : ''}.`,
    type: 'ModelApiError',
    nonRetryable: false,
    ...(wait ? { nextRetryDelay: wait } : {}),
  });
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

export function makeTaskStepActivities(deps: { worktreeRoot: string; modelAccess: ModelAccess }) {
  const worktreeOf = (t: TaskRef) => taskWorktree(deps.worktreeRoot, t.runId, t.taskId);

  return {
    /**
     * Runs the agent on the task in a fresh worktree at `baseSha`. A retry (for example after a worker
     * crash) starts again from a clean worktree, so no edit is ever applied twice.
     */
    async runAgent(a: TaskRef & { baseSha: string; sourcePath: string; model: string; maxTurns: number; testCommand: string; attempt: number; feedback?: string; tokenBudget?: number; setupCommand?: string }): Promise<AgentOutcome> {
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
          prompt: taskPrompt(a.taskId, taskFile, a.feedback),
          editor,
          tools,
          history,
          signal: cancellationSignal(),
          maxTurns: a.maxTurns,
          maxTokens: 8192,
          tokenBudget,
          onTurn: (turn, spent) => {
            ledger.record(spent);
            heartbeatSafe({ turn });
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

    /**
     * What the agent of one task workflow spent and nobody was told (from the per-turn ledger): one attempt
     * whose every try failed, or, without `attempt`, every attempt of a task cancelled while it ran.
     */
    async lostAgentUsage(a: TaskRef & { workflowRunId: string; attempt?: number }): Promise<TokenUsage> {
      const dir = taskDir(a.repoPath, a.runId, a.taskId);
      return a.attempt === undefined ? spentByTaskRun(dir, a.workflowRunId) : new SpentLedger(dir, ledgerKey(a.workflowRunId, a.attempt), 1).all();
    },

    /**
     * Runs the task's tests in its worktree: `command` as given (the task's own tests), or, with
     * `relatedTo` (the files the agent edited), the suite `command` narrowed to the tests related to
     * those files, else the full suite (see select-tests.ts). The evidence names the command that ran.
     */
    async runTaskTests(a: TaskRef & { command: string; relatedTo?: string[]; attempt: number; baseline: Baseline }): Promise<TestEvidence> {
      const cwd = worktreeOf(a);
      const log = path.join(taskDir(a.repoPath, a.runId, a.taskId), `tests-${a.attempt}.log`);
      const choice = a.relatedTo ? await selectTaskTests(cwd, a.command, a.relatedTo) : undefined;
      const evidence = await gatedTestRun(choice?.command ?? a.command, cwd, log, a.baseline);
      if (!choice) return evidence;
      await fs.appendFile(log, `# tests chosen: ${choice.selection}\n`);
      return { ...evidence, selection: choice.selection };
    },

    /**
     * Commits the agent's edits plus the move of the task file to tasks/archive/, as
     * "Complete TASK-x: <title>". Only the files the agent edited are staged. Idempotent.
     */
    async commitTask(a: TaskRef & { baseSha: string; title: string; summary: string; edited: string[]; sourcePath: string }): Promise<{ commit: string | null; reason?: string }> {
      const wt = await gitAt(worktreeOf(a));
      const head = (await wt.revparse(['HEAD'])).trim();
      if (head !== a.baseSha) {
        const body = await wt.raw(['log', '-1', '--format=%B', head]);
        if (body.includes(trailers(a.runId, a.taskId))) return { commit: head };
        await wt.raw(['reset', '--hard', a.baseSha]);
      }
      await wt.raw(['add', '-A', '--', ...a.edited]);
      const changed = (await wt.raw(['diff', '--cached', '--name-only'])).trim();
      if (!changed) return { commit: null, reason: 'the agent made no change to any file' };
      const deletedTests = (await wt.raw(['diff', '--cached', '--name-only', '--diff-filter=D'])).split('\n').filter((f) => TEST_FILE.test(f));
      if (deletedTests.length) return { commit: null, reason: `the change deletes test file${deletedTests.length > 1 ? 's' : ''} ${deletedTests.join(', ')}; tests may be changed, not removed` };
      const archived = `tasks/archive/${path.posix.basename(a.sourcePath)}`;
      await fs.mkdir(path.join(worktreeOf(a), 'tasks', 'archive'), { recursive: true });
      await wt.raw(['mv', a.sourcePath, archived]);
      const summary = a.summary.trim() || `Completed by Flotilla.`;
      await wt.raw(['commit', '--no-verify', '-m', `Complete ${a.taskId}: ${a.title}`, '-m', summary, '-m', trailers(a.runId, a.taskId)]);
      const commit = (await wt.revparse(['HEAD'])).trim();
      await wt.raw(['update-ref', taskRef(a.runId, a.taskId), commit]);
      return { commit };
    },

    /** Removes the task's worktree (rollback of anything uncommitted). The task's commit, if any, is kept by its ref. */
    async removeTaskWorktree(a: TaskRef): Promise<void> {
      await removeWorktree(a.repoPath, worktreeOf(a));
    },
  };
}
