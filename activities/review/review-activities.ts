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
import { recordedModel } from '../../planner/render/model-name';
import { heartbeatSafe } from '../heartbeat';
import { runDir, taskDir, taskWorktree } from '../run-paths';
import { findingsSummary, runChecks } from './checks';
import { configTextsOf } from './config-texts';
import { parseUnifiedDiff } from './diff';
import { type ReviewLoopResult, runReviewLoop } from './review-loop';
import { taskReviewPrompt, taskReviewSystem } from './review-prompt';
import { MAX_COMMENT_CHARS, MAX_COMMENTS, VIEW_BASE_TOOL, VIEW_TOOL } from './review-tool';
import type { ToolOutcome } from '../agent/editor-tool';
import { runGit } from '../git/git-process';
import { baseDiagnosticsFile, changeDiagnostics } from '../agent/check/check-tool';
import { diagnosticLine } from '../agent/check/diagnostics';
import { inRunSandbox } from '../sandbox';
import { worktreeDiff } from './task-diff';
import { reviewRunCategory, type RunReviewInput, type RunReviewNote, runCommitsByCategory } from './run-review';

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
  /** In gate mode a review without a verdict is no approval; advisory (or absent, for runs recorded before) it never blocks. */
  mode?: 'gate' | 'advisory';
}

/** One review of one attempt: the verdict and its cost (the workflow adds it to the task's). */
export type ReviewResult = Omit<TaskReview, 'reviews' | 'mode'>;

export const REVIEW_MAX_TURNS = 8;

async function tail(file: string, chars: number): Promise<string> {
  const text = await fs.readFile(file, 'utf8').catch(() => '');
  return text.length > chars ? `…${text.slice(-chars)}` : text;
}

const numberLines = (text: string, from: number, to: number) =>
  text
    .split('\n')
    .slice(from - 1, to)
    .map((l, i) => `${String(from + i).padStart(6)}\t${l}`)
    .join('\n');

/** A file as it was at `baseSha`, numbered (part of it with a range); an error the model can read when it was not there. */
export async function viewBase(
  worktree: string,
  baseSha: string,
  input: Record<string, unknown>,
): Promise<ToolOutcome> {
  const file = typeof input.path === 'string' ? input.path.trim().replace(/^\.\//, '') : '';
  if (!file || file.startsWith('/') || file.split('/').includes('..'))
    return { content: 'Error: path must be relative to the repository root', isError: true };
  const text = await runGit(worktree, ['show', `${baseSha}:${file}`], { strict: true }).catch(() => undefined);
  if (text === undefined)
    return { content: `Error: ${file} did not exist at the base commit (the change adds it)`, isError: true };
  const lines = text.split('\n').length;
  const start =
    Number.isInteger(Number(input.start_line)) && Number(input.start_line) > 0 ? Number(input.start_line) : 1;
  const end = Number.isInteger(Number(input.end_line)) && Number(input.end_line) > 0 ? Number(input.end_line) : lines;
  const shown = numberLines(text, start, end);
  return {
    content: shown.length > 40_000 ? `${shown.slice(0, 40_000)}\n… (truncated; use start_line/end_line)` : shown,
    isError: false,
  };
}

/** The reviewer's read-only tools over a worktree: a file view, the same file at the base commit, and the search tool. */
function readOnlyTools(worktree: string, baseSha?: string): AgentTool[] {
  const editor = new WorktreeEditor(worktree);
  return [
    ...(baseSha
      ? [{ definition: VIEW_BASE_TOOL, run: (input: Record<string, unknown>) => viewBase(worktree, baseSha, input) }]
      : []),
    {
      definition: VIEW_TOOL,
      run: (input) => {
        const start = Number(input.start_line);
        const end = input.end_line === undefined ? -1 : Number(input.end_line);
        const range: [number, number] | undefined =
          Number.isInteger(start) && start > 0 ? [start, Number.isInteger(end) ? end : -1] : undefined;
        return editor.run({ command: 'view', path: input.path as string, ...(range ? { view_range: range } : {}) });
      },
    },
    { definition: SEARCH_TOOL, run: (input) => runSearch(worktree, input) },
  ];
}

/**
 * The reviewer agent's verdict as a review. No verdict (refusal, out of turns) is no approval in gate mode: the
 * change goes back like a request for changes; advisory (and the run-level review), it is recorded and never blocks.
 */
export function fromLoop(
  r: ReviewLoopResult,
  model: string,
  transcriptPath?: string,
  mode: 'gate' | 'advisory' = 'advisory',
): ReviewResult {
  const base = { by: 'model' as const, usage: r.usage, model, ...(transcriptPath ? { transcriptPath } : {}) };
  if (r.verdict) return { ...base, ...r.verdict };
  if (mode === 'gate')
    return {
      ...base,
      verdict: 'request_changes',
      summary: `no verdict from the reviewer (${r.problem}); in gate mode that is no approval`,
      comments: [],
    };
  return { ...base, verdict: 'approve', summary: `no verdict (${r.problem}); not blocking`, comments: [] };
}

/** The agents queue's review activities: they call the model, so they share its slots and rate limit. */
export function makeReviewActivities(deps: { worktreeRoot: string; modelAccess: ModelAccess; standIn?: string }) {
  // The model the records name: the configured one, or the stand-in's label when the stand-in answers.
  const named = (model: string) => recordedModel(model, !!deps.standIn);
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
      const changed = a.edited.filter((f) => f !== a.sourcePath);
      const diff = await worktreeDiff(worktree, a.baseSha, changed);
      const files = parseUnifiedDiff(diff);
      const findings = runChecks({
        category: a.category,
        taskText: taskFile,
        declared: a.declared,
        summary: a.summary,
        files,
        configTexts: await configTextsOf(wt, worktree, a.baseSha, files),
      });
      // The static check the agent's own check tool runs (type checker, linter), compared with the base: only new diagnostics fail.
      const checkLogs = taskDir(a.repoPath, a.runId, a.taskId);
      const checked = await inRunSandbox(a, deps.worktreeRoot, () =>
        changeDiagnostics(
          worktree,
          changed,
          baseDiagnosticsFile(runDir(a.repoPath, a.runId), a.baseSha),
          checkLogs,
          `gate-${a.attempt}`,
        ),
      ).catch(() => undefined);
      if (checked?.baseKnown)
        findings.push(
          ...checked.added.map((d) => ({
            check: 'new-diagnostics' as const,
            file: d.file,
            line: d.line,
            message: `adds a ${d.tool} diagnostic: ${diagnosticLine(d)}`,
          })),
        );
      if (findings.length) {
        const comments: ReviewComment[] = findings.slice(0, MAX_COMMENTS).map((f) => ({
          ...(f.file ? { file: f.file } : {}),
          ...(f.line ? { line: f.line } : {}),
          message: f.message.slice(0, MAX_COMMENT_CHARS),
          check: f.check,
        }));
        return {
          verdict: 'request_changes',
          summary: findingsSummary(findings).slice(0, MAX_COMMENT_CHARS),
          comments,
          by: 'checks',
          usage: noUsage(),
        };
      }
      const dir = taskDir(a.repoPath, a.runId, a.taskId);
      const transcriptPath = path.join(dir, `review-${a.attempt}.json`);
      const history: Anthropic.MessageParam[] = [];
      try {
        const r = await runReviewLoop({
          client: client(),
          model: a.model,
          system: taskReviewSystem(),
          // The reviewer reads each changed function whole (the checks above read the plain diff).
          prompt: taskReviewPrompt({
            taskId: a.taskId,
            attempt: a.attempt,
            taskFile,
            summary: a.summary,
            edited: a.edited,
            tests: { ...a.tests, tail: await tail(a.tests.logPath, 3000) },
            diff: await worktreeDiff(worktree, a.baseSha, changed, { functionContext: true }),
          }),
          tools: readOnlyTools(worktree, a.baseSha),
          maxTurns: a.maxTurns ?? REVIEW_MAX_TURNS,
          history,
          signal: cancellationSignal(),
          onTurn: (turn) => heartbeatSafe({ review: turn }),
        });
        return fromLoop(r, named(a.model), transcriptPath, a.mode);
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
      return reviewRunCategory(a, {
        client,
        baseURL: deps.modelAccess.baseURL,
        signal: cancellationSignal(),
        fromLoop: (r) => fromLoop(r, named(a.model)),
      });
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
        const r = await reviewRunCategory(
          { ...a, category },
          {
            client,
            baseURL: deps.modelAccess.baseURL,
            signal: cancellationSignal(),
            fromLoop: (x) => fromLoop(x, named(a.model)),
          },
        );
        addUsage(usage, r.usage);
        notes.push(r.note);
      }
      return { model: named(a.model), notes, usage };
    },
  };
}
