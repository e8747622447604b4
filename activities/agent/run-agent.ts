import Anthropic from '@anthropic-ai/sdk';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type { TaskHost } from '../../core/task-queues';
import type { AgentOutcome, TaskRef } from '../../core/types';
import { addUsage } from '../../core/usage';
import { freshWorktree } from '../git/worktrees';
import { heartbeatSafe } from '../heartbeat';
import { redact, registerSecret, stripUrlCredentials } from '../redact';
import { integrationWorktree, taskDir, taskWorktree } from '../run-paths';
import { inRunSandbox } from '../sandbox';
import { prepareEnvironment } from '../test-runs/dependencies';
import { runAgentLoop, totalTokens } from './agent-loop';
import { activityTry, agentFailure, AgentTaskInput, agentTools, cancellationSignal, ModelAccess } from './agent-turns';
import { systemPrompt, taskPrompt } from './agent-prompt';
import { checkpointFile, loadCheckpoint, restoreTree, saveCheckpoint, snapshotTree } from './checkpoint';
import { classifyApiError } from './classify-api-error';
import { WorktreeEditor } from './editor-tool';
import { readConventions } from './repo-conventions';
import { activityLedgerKey, ledgerKey, SpentLedger } from './spent-ledger';

export type { ModelAccess };

/**
 * The agents queue's activity of runs recorded before durable turns (workflows/agent-turns.ts): the whole
 * conversation in one activity. Kept registered so those runs can finish.
 */
export function makeAgentActivities(deps: { worktreeRoot: string; modelAccess: ModelAccess; host?: TaskHost }) {
  const worktreeOf = (t: TaskRef) => taskWorktree(deps.worktreeRoot, t.runId, t.taskId);
  registerSecret(deps.modelAccess.apiKey);
  // Messages name the API's address, never the credentials a proxy URL may carry.
  const baseURLForMessages = deps.modelAccess.baseURL ? stripUrlCredentials(deps.modelAccess.baseURL) : undefined;

  type RunAgentInput = AgentTaskInput;

  return {
    /**
     * Runs the agent on the task in a fresh worktree at `baseSha`. After every complete turn the conversation
     * and the worktree's files are checkpointed (checkpoint.ts): a retry of this activity (a worker crash, a
     * dropped connection, a 5xx) restores both and goes on from the next turn, so no answered model request
     * is sent again and no edit is applied twice. Without a usable checkpoint it starts from a clean worktree.
     */
    async runAgent(a: RunAgentInput): Promise<AgentOutcome> {
      // --setup-cmd and the run_tests tool run in the run's sandbox.
      return inRunSandbox(a, deps.worktreeRoot, () => runAgentInSandbox(a));
    },
  };

  async function runAgentInSandbox(a: RunAgentInput): Promise<AgentOutcome> {
      const worktree = worktreeOf(a);
      const wt = await freshWorktree(a.repoPath, worktree, a.baseSha, path.join(integrationWorktree(deps.worktreeRoot, a.runId), 'node_modules'));
      // The worktree was just reset to baseSha: its copy of the task file is the committed one (no `git show` needed).
      const taskFile = await fs.readFile(path.join(worktree, a.sourcePath), 'utf8').catch(() => wt.raw(['show', `${a.baseSha}:${a.sourcePath}`]));
      if (a.setupCommand) await prepareEnvironment({ cwd: worktree, logDir: taskDir(a.repoPath, a.runId, a.taskId), setupCommand: a.setupCommand });
      // maxRetries 0: a failed call fails the activity, and Temporal's retry policy (with retry-after) decides.
      const client = new Anthropic({ apiKey: deps.modelAccess.apiKey, baseURL: deps.modelAccess.baseURL, maxRetries: 0, timeout: 5 * 60_000 });
      const editor = new WorktreeEditor(worktree);
      const dir = taskDir(a.repoPath, a.runId, a.taskId);
      const transcriptPath = path.join(dir, `transcript-${a.attempt}.json`);
      const tools = agentTools(worktree, a.testCommand, (n) => path.join(dir, `agent-tests-${a.attempt}-${n}.log`));
      const tried = activityTry();
      const ledger = new SpentLedger(dir, activityLedgerKey(tried.workflowRunId, a.attempt, tried.activityId), tried.attempt);
      // What earlier tries of this activity already spent counts against the task's token budget too.
      const spentBefore = ledger.earlier();
      const tokenBudget = a.tokenBudget === undefined ? undefined : Math.max(0, a.tokenBudget - totalTokens(spentBefore));
      // A retry of this activity for the same task attempt goes on from the last complete turn; a re-run of a
      // finished one (its host died after it) restores the worktree and answers as it did.
      const cpFile = checkpointFile(dir, ledgerKey(tried.workflowRunId, a.attempt));
      let resume = tried.workflowRunId ? await loadCheckpoint(cpFile) : null;
      if (resume) await restoreTree(worktree, resume.tree).catch(() => (resume = null));
      if (resume) for (const f of resume.edited) editor.edited.add(f);
      if (resume?.final) {
        const edited = [...editor.edited].filter((f) => f !== a.sourcePath).sort();
        const reason = agentFailure(resume.final.outcome, resume.final.summary, a.maxTurns, edited, a.tokenBudget);
        return { ok: !reason, summary: resume.final.summary, edited, turns: resume.final.turns, usage: spentBefore, transcriptPath, replayed: true, ...(reason ? { reason } : {}), ...(deps.host ? { host: deps.host } : {}) };
      }
      const history: Anthropic.MessageParam[] = resume ? [...resume.messages] : [];
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
          ...(resume ? { resume: { turn: resume.turn, lastText: resume.lastText } } : {}),
          onCheckpoint: async (turn, lastText) => {
            if (!tried.workflowRunId) return;
            // A checkpoint that cannot be taken costs a resume, never the conversation.
            await snapshotTree(worktree)
              .then((tree) => saveCheckpoint(cpFile, { turn, messages: history, lastText, edited: [...editor.edited], tree }))
              .catch(() => undefined);
          },
        });
      } catch (err) {
        throw classifyApiError(err, a.model, baseURLForMessages);
      } finally {
        await fs.mkdir(dir, { recursive: true });
        await fs.writeFile(transcriptPath, redact(JSON.stringify(history, null, 2)));
      }
      if (tried.workflowRunId) {
        const final = { outcome: result.outcome, summary: result.summary, turns: result.turns };
        await snapshotTree(worktree)
          .then((tree) => saveCheckpoint(cpFile, { turn: result.turns, messages: history, lastText: result.summary, edited: [...editor.edited], tree, final }))
          .catch(() => undefined);
      }
      const edited = [...editor.edited].filter((f) => f !== a.sourcePath).sort();
      const reason = agentFailure(result.outcome, result.summary, a.maxTurns, edited, a.tokenBudget);
      // Turns paid for by earlier tries of this activity that died mid-conversation are on the bill too.
      const usage = spentBefore;
      addUsage(usage, result.usage);
      return { ok: !reason, summary: result.summary, edited, turns: result.turns, usage, transcriptPath, ...(reason ? { reason } : {}), ...(deps.host ? { host: deps.host } : {}) };
  }
}
