import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type { Plan } from '../../planner/types';
import { gitAt } from '../git/git';
import { runDir } from '../run-paths';
import type { RunReport } from '../../core/types';
import { freshWorktree, removeWorktree } from '../git/worktrees';

export const reviewBranch = (runId: string) => `flotilla/${runId}-review`;

/**
 * Builds `flotilla/<runId>-review` from the base: one commit per category of change (docs, types, …),
 * each squashing that category's task commits in run order. Returns the branch, or why it could not be
 * built (two categories that edit the same lines in an order that cannot be regrouped).
 */
export async function buildReviewBranch(
  report: RunReport,
  worktreeRoot: string,
): Promise<{ branch?: string; note: string }> {
  const committed = report.tasks.filter((t) => t.status === 'committed' && t.commit);
  if (!report.baseSha || !committed.length) return { note: 'no committed task, so no review branch' };
  const plan: Plan = JSON.parse(
    await fs.readFile(path.join(runDir(report.repoPath, report.runId), 'plan.json'), 'utf8'),
  );
  const repo = await gitAt(report.repoPath);
  const order = (await repo.raw(['rev-list', '--reverse', `${report.baseSha}..${report.branch}`])).trim().split('\n');
  const byCommit = new Map(committed.map((t) => [t.commit!, t]));
  const categories = new Map<string, string[]>();
  for (const sha of order) {
    const t = byCommit.get(sha);
    if (!t) continue;
    const cat = plan.tasks[t.id]?.category ?? 'other';
    categories.set(cat, [...(categories.get(cat) ?? []), sha]);
  }
  const wtPath = path.join(worktreeRoot, report.runId, '_review');
  const wt = await freshWorktree(report.repoPath, wtPath, report.baseSha);
  try {
    for (const [cat, shas] of categories) {
      try {
        await wt.raw(['cherry-pick', '--no-commit', ...shas]);
      } catch {
        await wt.raw(['cherry-pick', '--abort']).catch(() => undefined);
        return {
          note: `review branch not built: the ${cat} changes cannot be regrouped ahead of changes they build on; review ${report.branch} commit by commit`,
        };
      }
      const ids = shas.map((s) => byCommit.get(s)!.id);
      const body = shas.map((s) => `- ${byCommit.get(s)!.id}: ${byCommit.get(s)!.title}`).join('\n');
      await wt.raw([
        'commit',
        '--no-verify',
        '-m',
        `${cat}: ${ids.length} task${ids.length === 1 ? '' : 's'} (${ids.join(', ')})`,
        '-m',
        body,
        '-m',
        `Flotilla-Run: ${report.runId}`,
      ]);
    }
    const head = (await wt.revparse(['HEAD'])).trim();
    const tree = async (rev: string) => (await repo.raw(['rev-parse', `${rev}^{tree}`])).trim();
    if ((await tree(head)) !== (await tree(report.branch!)))
      return { note: 'review branch not built: regrouping by category changed the final tree' };
    await repo.raw(['branch', '-f', reviewBranch(report.runId), head]);
    return {
      branch: reviewBranch(report.runId),
      note: `${categories.size} commits, one per category, same final tree as ${report.branch}`,
    };
  } finally {
    await removeWorktree(report.repoPath, wtPath);
  }
}
