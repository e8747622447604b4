import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type { Plan } from '../../planner/types';
import { gitAt } from '../git/git';
import { type CommitStat, renderReview } from './review-render';
import { runDir } from '../run-paths';
import { readSandboxRecord } from '../sandbox';
import type { RunReport } from '../../core/types';

/** Reads each committed task's diff stats from git and writes review.md next to report.json. */
export async function writeReview(report: RunReport): Promise<string> {
  const dir = runDir(report.repoPath, report.runId);
  const plan: Plan | null = await fs
    .readFile(path.join(dir, 'plan.json'), 'utf8')
    .then((t) => JSON.parse(t) as Plan)
    .catch(() => null);
  const git = await gitAt(report.repoPath);
  const stats: CommitStat[] = [];
  for (const t of report.tasks) {
    if ((t.status !== 'committed' && t.status !== 'integrated') || !t.commit) continue;
    const numstat = await git.raw(['show', '--numstat', '--format=', '-M', t.commit]).catch(() => '');
    const files = numstat
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((line) => {
        const [added, removed, ...rest] = line.split('\t');
        const p = rest.join('\t').replace(/\{.* => (.*)\}/, '$1');
        return { path: p, added: Number(added) || 0, removed: Number(removed) || 0 };
      });
    stats.push({ taskId: t.id, commit: t.commit, files });
  }
  const file = path.join(dir, 'review.md');
  await fs.writeFile(file, renderReview(report, plan, stats, readSandboxRecord(report.repoPath, report.runId)));
  return file;
}
