import type Anthropic from '@anthropic-ai/sdk';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type { RunReview, TokenUsage } from '../../core/types';
import { classifyApiError } from '../agent/classify-api-error';
import { gitAt, runBranch } from '../git/git';
import { readPlan } from '../records/plan-store';
import { runDir } from '../run-paths';
import { type ReviewLoopResult, runReviewLoop } from './review-loop';
import { runReviewPrompt, runReviewSystem } from './review-prompt';
import { commitDiff } from './task-diff';

/** One category's pass of the run-level review: its note for review.md and what its model calls cost. */
export interface RunReviewNote {
  note: RunReview['notes'][number];
  usage: TokenUsage;
}

export interface RunReviewInput {
  runId: string;
  repoPath: string;
  baseSha: string;
  model: string;
}

/** The run's commits by category (from plan.json; `other` when the plan does not say), in the order they are on the branch. */
export async function runCommitsByCategory(
  a: Omit<RunReviewInput, 'model'>,
): Promise<Map<string, Array<{ id: string; title: string; commit: string }>>> {
  const git = await gitAt(a.repoPath);
  const plan = await readPlan(a.repoPath, a.runId).catch(() => null);
  const log = await git.raw(['log', '--reverse', '--format=%H%x00%B%x01', `${a.baseSha}..${runBranch(a.runId)}`]);
  const byCategory = new Map<string, Array<{ id: string; title: string; commit: string }>>();
  for (const entry of log.split('\x01')) {
    const [sha, body] = entry.trim().split('\x00');
    const id = body?.includes(`Flotilla-Run: ${a.runId}\n`) ? /^Flotilla-Task: (\S+)$/m.exec(body)?.[1] : undefined;
    if (!sha || !id) continue;
    const category = plan?.tasks[id]?.category ?? 'other';
    byCategory.set(category, [
      ...(byCategory.get(category) ?? []),
      { id, title: plan?.tasks[id]?.title ?? id, commit: sha },
    ]);
  }
  return new Map([...byCategory.entries()].sort((x, y) => x[0].localeCompare(y[0])));
}

/** The run review's categories, for the workflow to review one by one (on the run's queue: git work only). */
export const runReviewListActivities = {
  async runReviewCategories(a: Omit<RunReviewInput, 'model'>): Promise<string[]> {
    return [...(await runCommitsByCategory(a)).keys()];
  },
};

/** The run review's folder: each category's transcript and, once answered, its note (the checkpoint a retry answers from). */
const reviewDir = (repoPath: string, runId: string) => path.join(runDir(repoPath, runId), 'run-review');
const safe = (category: string) => category.replace(/[^\w.-]+/g, '_');
export const runReviewNoteFile = (repoPath: string, runId: string, category: string) =>
  path.join(reviewDir(repoPath, runId), `${safe(category)}.note.json`);

/**
 * One category's pass over the combined diff of the run's commits of that category. Checkpointed: once answered, its
 * note (with what it cost) is saved before the activity reports, and a retry (its answer never reached the server) or a
 * second call returns that note, asking nothing, so no answered call is paid twice. `fromLoop` turns the reviewer's
 * answer into a note.
 */
export async function reviewRunCategory(
  a: RunReviewInput & { category: string },
  o: {
    client: () => Anthropic;
    baseURL?: string;
    signal?: AbortSignal;
    fromLoop: (r: ReviewLoopResult) => {
      verdict: RunReview['notes'][number]['verdict'];
      summary: string;
      comments: RunReview['notes'][number]['comments'];
    };
  },
): Promise<RunReviewNote> {
  const file = runReviewNoteFile(a.repoPath, a.runId, a.category);
  const saved = await fs.readFile(file, 'utf8').then(
    (t) => JSON.parse(t) as RunReviewNote,
    () => null,
  );
  if (saved?.note && saved.usage) return saved;
  const tasks = (await runCommitsByCategory(a)).get(a.category) ?? [];
  const diffs: string[] = [];
  for (const t of tasks) diffs.push(`# ${t.id}: ${t.title}\n${await commitDiff(a.repoPath, t.commit)}`);
  const history: Anthropic.MessageParam[] = [];
  const dir = reviewDir(a.repoPath, a.runId);
  await fs.mkdir(dir, { recursive: true });
  let r: ReviewLoopResult;
  try {
    r = await runReviewLoop({
      client: o.client(),
      model: a.model,
      system: runReviewSystem(),
      prompt: runReviewPrompt({ runId: a.runId, category: a.category, tasks, diff: diffs.join('\n') }),
      tools: [],
      decideAtOnce: true,
      maxTurns: 2,
      history,
      signal: o.signal,
    });
  } catch (err) {
    throw classifyApiError(err, a.model, o.baseURL);
  } finally {
    await fs.writeFile(path.join(dir, `${safe(a.category)}.json`), JSON.stringify(history, null, 2));
  }
  const v = o.fromLoop(r);
  const answer: RunReviewNote = {
    note: {
      category: a.category,
      tasks: tasks.map((t) => t.id),
      verdict: v.verdict,
      summary: v.summary,
      comments: v.comments,
    },
    usage: r.usage,
  };
  // Written beside and renamed over: a try that dies mid-write leaves no half note to answer from.
  const tmp = `${file}.${process.pid}.tmp`;
  await fs.writeFile(tmp, JSON.stringify(answer));
  await fs.rename(tmp, file);
  return answer;
}
