import Anthropic from '@anthropic-ai/sdk';
import { Context } from '@temporalio/activity';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type { ReviewComment, RunReview, TaskRef, TaskReview, TaskTestRun, TokenUsage } from '../../core/types';
import { addUsage, noUsage } from '../../core/usage';
import type { AgentTool } from '../agent/agent-loop';
import { classifyApiError } from '../agent/classify-api-error';
import { WorktreeEditor } from '../agent/editor-tool';
import type { ModelAccess } from '../agent/run-agent';
import { runSearch, SEARCH_TOOL } from '../agent/search-tool';
import { gitAt } from '../git/git';
import { heartbeatSafe } from '../heartbeat';
import { taskDir, taskWorktree } from '../run-paths';
import { findingsSummary, runChecks } from './checks';
import { parseUnifiedDiff } from './diff';
import { ReviewLoopResult, runReviewLoop } from './review-loop';
import { taskReviewPrompt, taskReviewSystem } from './review-prompt';
import { reviewRunCategory, RunReviewInput, RunReviewNote, runCommitsByCategory } from './run-review';
import { MAX_COMMENT_CHARS, MAX_COMMENTS, VIEW_TOOL } from './review-tool';
import { worktreeDiff } from './task-diff';

export interface ReviewTaskInput extends TaskRef {
  baseSha: string;
  sourcePath: string;
  category: string;
  /** Files the task names (declared and in its Change blocks). */
  declared: string[];
  edited: string[];
  summary: string;
  tests: TaskTestRun;
  model: string;
  attempt: number;
  maxTurns?: number;
}

/** One review of one attempt: the verdict and its cost (the workflow adds it to the task's). */
export type ReviewResult = Omit<TaskReview, 'reviews' | 'mode'>;

export const REVIEW_MAX_TURNS = 8;

function cancellationSignal(): AbortSignal | undefined {
  try {
    return Context.current().cancellationSignal;
  } catch {
    return undefined;
  }
}

async function tail(file: string, chars: number): Promise<string> {
  const text = await fs.readFile(file, 'utf8').catch(() => '');
  return text.length > chars ? `…${text.slice(-chars)}` : text;
}

/** The reviewer's read-only tools over a worktree: a file view and the search tool. */
function readOnlyTools(worktree: string): AgentTool[] {
  const editor = new WorktreeEditor(worktree);
  return [
    {
      definition: VIEW_TOOL,
      run: (input) => {
        const start = Number(input.start_line);
        const end = input.end_line === undefined ? -1 : Number(input.end_line);
        const range: [number, number] | undefined = Number.isInteger(start) && start > 0 ? [start, Number.isInteger(end) ? end : -1] : undefined;
        return editor.run({ command: 'view', path: input.path as string, ...(range ? { view_range: range } : {}) });
      },
    },
    { definition: SEARCH_TOOL, run: (input) => runSearch(worktree, input) },
  ];
}

/** The reviewer agent's verdict as a review; no verdict (refusal, out of turns) never blocks, it is recorded as such. */
function fromLoop(r: ReviewLoopResult, model: string, transcriptPath?: string): ReviewResult {
  const base = { by: 'model' as const, usage: r.usage, model, ...(transcriptPath ? { transcriptPath } : {}) };
  if (r.verdict) return { ...base, ...r.verdict };
  return { ...base, verdict: 'approve', summary: `no verdict (${r.problem}); not blocking`, comments: [] };
}

/** The agents queue's review activities: they call the model, so they share its slots and rate limit. */
export function makeReviewActivities(deps: { worktreeRoot: string; modelAccess: ModelAccess }) {
  const client = () => new Anthropic({ apiKey: deps.modelAccess.apiKey, baseURL: deps.modelAccess.baseURL, maxRetries: 0, timeout: 5 * 60_000 });

  return {
    /**
     * Reviews a task's change in its worktree, after its tests passed and before its commit: the
     * deterministic checks first (a finding is a request for changes, without a model call), then the
     * reviewer agent with read-only tools, which answers with the verdict tool.
     */
    async reviewTask(a: ReviewTaskInput): Promise<ReviewResult> {
      const worktree = taskWorktree(deps.worktreeRoot, a.runId, a.taskId);
      const wt = await gitAt(worktree);
      const taskFile = await wt.raw(['show', `${a.baseSha}:${a.sourcePath}`]);
      const diff = await worktreeDiff(worktree, a.baseSha, a.edited.filter((f) => f !== a.sourcePath));
      const findings = runChecks({ category: a.category, taskText: taskFile, declared: a.declared, summary: a.summary, files: parseUnifiedDiff(diff) });
      if (findings.length) {
        const comments: ReviewComment[] = findings.slice(0, MAX_COMMENTS).map((f) => ({ ...(f.file ? { file: f.file } : {}), ...(f.line ? { line: f.line } : {}), message: f.message.slice(0, MAX_COMMENT_CHARS), check: f.check }));
        return { verdict: 'request_changes', summary: findingsSummary(findings).slice(0, MAX_COMMENT_CHARS), comments, by: 'checks', usage: noUsage() };
      }
      const dir = taskDir(a.repoPath, a.runId, a.taskId);
      const transcriptPath = path.join(dir, `review-${a.attempt}.json`);
      const history: Anthropic.MessageParam[] = [];
      try {
        const r = await runReviewLoop({
          client: client(),
          model: a.model,
          system: taskReviewSystem(),
          prompt: taskReviewPrompt({ taskId: a.taskId, attempt: a.attempt, taskFile, summary: a.summary, edited: a.edited, tests: { ...a.tests, tail: await tail(a.tests.logPath, 3000) }, diff }),
          tools: readOnlyTools(worktree),
          maxTurns: a.maxTurns ?? REVIEW_MAX_TURNS,
          history,
          signal: cancellationSignal(),
          onTurn: (turn) => heartbeatSafe({ review: turn }),
        });
        return fromLoop(r, a.model, transcriptPath);
      } catch (err) {
        throw classifyApiError(err, a.model, deps.modelAccess.baseURL);
      } finally {
        await fs.mkdir(dir, { recursive: true });
        await fs.writeFile(transcriptPath, JSON.stringify(history, null, 2));
      }
    },

    /**
     * The run-level review of one category (workflows/run-review.ts calls it once per category, on the shared agents
     * queue, so --agent-rpm counts it): one pass over the combined diff of the run's commits of that category.
     * Checkpointed: a retry returns the saved answer, asking nothing. Advisory: notes for review.md.
     */
    async reviewRunCategory(a: RunReviewInput & { category: string }): Promise<RunReviewNote> {
      heartbeatSafe({ category: a.category });
      return reviewRunCategory(a, { client, baseURL: deps.modelAccess.baseURL, signal: cancellationSignal(), fromLoop: (r) => fromLoop(r, a.model) });
    },

    /**
     * The whole run-level review in one activity (runs started before the review was one activity per category):
     * each category checkpointed as reviewRunCategory does, so a retry pays only for the categories not answered yet.
     */
    async reviewRun(a: RunReviewInput): Promise<RunReview> {
      const usage: TokenUsage = noUsage();
      const notes: RunReview['notes'] = [];
      for (const category of (await runCommitsByCategory(a)).keys()) {
        heartbeatSafe({ category });
        const r = await reviewRunCategory({ ...a, category }, { client, baseURL: deps.modelAccess.baseURL, signal: cancellationSignal(), fromLoop: (x) => fromLoop(x, a.model) });
        addUsage(usage, r.usage);
        notes.push(r.note);
      }
      return { model: a.model, notes, usage };
    },
  };
}
