import type Anthropic from '@anthropic-ai/sdk';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type { ReviewComment, RunReview, TaskRef, TaskReview, TaskTestRun, TokenUsage } from '../../core/types';
import { addUsage, noUsage } from '../../core/usage';
import type { AgentTool } from '../agent/agent-loop';
import { classifyApiError } from '../agent/classify-api-error';
import { WorktreeEditor } from '../agent/editor-tool';
import { cancellationSignal } from '../activity-context';
import { type ModelAccess, modelClient } from '../model-client';
import { runSearch, SEARCH_TOOL } from '../agent/search-tool';
import { gitAt } from '../git/git';
import { heartbeatSafe } from '../heartbeat';
import { readPlan } from '../records/plan-store';
import { runBranch } from '../git/git';
import { taskDir, runDir, taskWorktree } from '../run-paths';
import { findingsSummary, runChecks } from './checks';
import { parseUnifiedDiff } from './diff';
import { type ReviewLoopResult, runReviewLoop } from './review-loop';
import { runReviewPrompt, runReviewSystem, taskReviewPrompt, taskReviewSystem } from './review-prompt';
import { MAX_COMMENT_CHARS, MAX_COMMENTS, VIEW_TOOL } from './review-tool';
import { commitDiff, worktreeDiff } from './task-diff';

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
  const client = () => modelClient(deps.modelAccess);

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
     * The run-level review after the final suite: one pass per category over the combined diff of the
     * run's commits of that category, for consistency across tasks. Advisory: notes for review.md.
     */
    async reviewRun(a: { runId: string; repoPath: string; baseSha: string; model: string }): Promise<RunReview> {
      const git = await gitAt(a.repoPath);
      const plan = await readPlan(a.repoPath, a.runId).catch(() => null);
      const log = await git.raw(['log', '--reverse', '--format=%H%x00%B%x01', `${a.baseSha}..${runBranch(a.runId)}`]);
      const byCategory = new Map<string, Array<{ id: string; title: string; commit: string }>>();
      for (const entry of log.split('\x01')) {
        const [sha, body] = entry.trim().split('\x00');
        const id = body?.includes(`Flotilla-Run: ${a.runId}\n`) ? /^Flotilla-Task: (\S+)$/m.exec(body)?.[1] : undefined;
        if (!sha || !id) continue;
        const category = plan?.tasks[id]?.category ?? 'other';
        byCategory.set(category, [...(byCategory.get(category) ?? []), { id, title: plan?.tasks[id]?.title ?? id, commit: sha }]);
      }
      const usage: TokenUsage = noUsage();
      const notes: RunReview['notes'] = [];
      const dir = path.join(runDir(a.repoPath, a.runId), 'run-review');
      await fs.mkdir(dir, { recursive: true });
      for (const [category, tasks] of [...byCategory.entries()].sort((x, y) => x[0].localeCompare(y[0]))) {
        heartbeatSafe({ category });
        const diffs: string[] = [];
        for (const t of tasks) diffs.push(`# ${t.id}: ${t.title}\n${await commitDiff(a.repoPath, t.commit)}`);
        const history: Anthropic.MessageParam[] = [];
        let r: ReviewLoopResult;
        try {
          r = await runReviewLoop({ client: client(), model: a.model, system: runReviewSystem(), prompt: runReviewPrompt({ runId: a.runId, category, tasks, diff: diffs.join('\n') }), tools: [], decideAtOnce: true, maxTurns: 2, history, signal: cancellationSignal() });
        } catch (err) {
          throw classifyApiError(err, a.model, deps.modelAccess.baseURL);
        } finally {
          await fs.writeFile(path.join(dir, `${category.replace(/[^\w.-]+/g, '_')}.json`), JSON.stringify(history, null, 2));
        }
        addUsage(usage, r.usage);
        const v = fromLoop(r, a.model);
        notes.push({ category, tasks: tasks.map((t) => t.id), verdict: v.verdict, summary: v.summary, comments: v.comments });
      }
      return { model: a.model, notes, usage };
    },
  };
}
