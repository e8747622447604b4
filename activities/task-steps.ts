import Anthropic from '@anthropic-ai/sdk';
import { ApplicationFailure } from '@temporalio/common';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { runAgentLoop } from './agent-loop';
import { systemPrompt, taskPrompt } from './agent-prompt';
import { WorktreeEditor } from './editor-tool';
import { gitAt, taskRef, trailers } from './git';
import { heartbeatSafe } from './heartbeat';
import { runCommand } from './run-command';
import { taskDir, taskWorktree } from './run-paths';
import { AgentOutcome, TaskRef, TestEvidence } from './types';
import { freshWorktree, removeWorktree } from './worktrees';

export interface ModelAccess {
  /** The key stays in the worker's memory: it never enters workflow inputs, history, logs or reports. */
  apiKey: string;
  baseURL?: string;
}

/** Maps an API failure to what Temporal should do: configuration problems are final, the rest retry. */
function classifyApiError(err: unknown, model: string): unknown {
  if (!(err instanceof Anthropic.APIError) || err.status === undefined) return err;
  const detail = `${err.status} ${(err.error as { error?: { message?: string } })?.error?.message ?? err.message}`;
  if (err.status === 401) return ApplicationFailure.nonRetryable(`ANTHROPIC_API_KEY was rejected (${detail}). Set a valid key, or unset it to use the stand-in model.`, 'AgentConfigError');
  if (err.status === 403) return ApplicationFailure.nonRetryable(`the API key may not use ${model} (${detail}).`, 'AgentConfigError');
  if (err.status === 404) return ApplicationFailure.nonRetryable(`model ${model} not found (${detail}); set --model or FLOTILLA_MODEL.`, 'AgentConfigError');
  if (err.status === 400) return ApplicationFailure.nonRetryable(`the model API rejected the request: ${detail}`, 'AgentConfigError');
  const retryAfter = Number(err.headers?.get?.('retry-after'));
  return ApplicationFailure.create({
    message: `model API error ${detail}`,
    type: 'ModelApiError',
    ...(Number.isFinite(retryAfter) && retryAfter > 0 ? { nextRetryDelay: retryAfter * 1000 } : {}),
  });
}

export function makeTaskStepActivities(deps: { worktreeRoot: string; modelAccess: ModelAccess }) {
  const worktreeOf = (t: TaskRef) => taskWorktree(deps.worktreeRoot, t.runId, t.taskId);

  return {
    /**
     * Runs the agent on the task in a fresh worktree at `baseSha`. A retry (for example after a worker
     * crash) starts again from a clean worktree, so no edit is ever applied twice.
     */
    async runAgent(a: TaskRef & { baseSha: string; sourcePath: string; model: string; maxTurns: number; testCommand: string; attempt: number; feedback?: string }): Promise<AgentOutcome> {
      const worktree = worktreeOf(a);
      const wt = await freshWorktree(a.repoPath, worktree, a.baseSha);
      const taskFile = await wt.raw(['show', `${a.baseSha}:${a.sourcePath}`]);
      const client = new Anthropic({ apiKey: deps.modelAccess.apiKey, baseURL: deps.modelAccess.baseURL, maxRetries: 1, timeout: 5 * 60_000 });
      const editor = new WorktreeEditor(worktree);
      const transcriptPath = path.join(taskDir(a.repoPath, a.runId, a.taskId), `transcript-${a.attempt}.json`);
      let result;
      const beat = setInterval(() => heartbeatSafe({ attempt: a.attempt }), 5000);
      try {
        result = await runAgentLoop({
          client,
          model: a.model,
          system: systemPrompt(a.testCommand),
          prompt: taskPrompt(a.taskId, taskFile, a.feedback),
          editor,
          maxTurns: a.maxTurns,
          maxTokens: 8192,
          onTurn: (turn) => heartbeatSafe({ turn }),
        });
      } catch (err) {
        throw classifyApiError(err, a.model);
      } finally {
        clearInterval(beat);
      }
      await fs.mkdir(path.dirname(transcriptPath), { recursive: true });
      await fs.writeFile(transcriptPath, JSON.stringify(result.messages, null, 2));
      const edited = [...editor.edited].filter((f) => f !== a.sourcePath).sort();
      const reason =
        result.outcome === 'max_turns'
          ? `the agent did not finish within ${a.maxTurns} turns`
          : result.outcome === 'refusal'
            ? `the model refused: ${result.summary}`
            : edited.length === 0
              ? `the agent made no change${result.summary ? `: ${result.summary.slice(0, 300)}` : ''}`
              : undefined;
      return { ok: !reason, summary: result.summary, edited, turns: result.turns, usage: result.usage, transcriptPath, ...(reason ? { reason } : {}) };
    },

    /** Runs the task's tests (its own command, else the full suite) in its worktree. */
    async runTaskTests(a: TaskRef & { command: string; attempt: number }): Promise<TestEvidence> {
      const log = path.join(taskDir(a.repoPath, a.runId, a.taskId), `tests-${a.attempt}.log`);
      return runCommand(a.command, worktreeOf(a), log, { onTick: heartbeatSafe });
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
