import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type { PlannedRun, RunSettings } from '../../core/types';
import { buildPlan, parseTaskFiles, renderPlanMarkdown } from '../../planner';
import { ApplicationFailure } from '@temporalio/common';
import { ResearchError } from '../../planner/research';
import { gitAt } from '../git/git';
import { researchNotesFile, runDir } from '../run-paths';
import { readResearch } from './research-file';

const TASK_FILE = /^tasks\/[^/]+\.md$/;

/** `standIn`: why this worker's model is the stand-in (not Claude), when it is; the plan and the run's records say so. */
export const makePlanRunActivities = (deps: { standIn?: string } = {}) => ({
  /** Parses the task files committed at the base commit and writes plan.md and plan.json to the run folder. */
  async planRun(a: {
    runId: string;
    repoPath: string;
    baseSha: string;
    testCommand: string;
    maxParallel: number;
    model: string;
    sequentialRisk: RunSettings['sequentialRisk'];
    segmentTasks?: number;
    research?: string;
    reviewModel?: string;
    e2eCommand?: string;
    e2eAfter?: RunSettings['e2eAfter'];
  }): Promise<PlannedRun> {
    const git = await gitAt(a.repoPath);
    const names = (await git.raw(['ls-tree', '-r', '--name-only', a.baseSha, '--', 'tasks/']))
      .split('\n')
      .filter((p) => TASK_FILE.test(p) && !/^tasks\/readme/i.test(p));
    const files = [];
    for (const p of names) files.push({ path: p, text: await git.raw(['show', `${a.baseSha}:${p}`]) });
    const { tasks, problems } = parseTaskFiles(files);
    const existingFiles = new Set(
      (await git.raw(['ls-tree', '-r', '--name-only', a.baseSha])).split('\n').filter(Boolean),
    );
    const plan = buildPlan(tasks, problems, {
      existingFiles,
      repoName: path.basename(a.repoPath),
      testCommand: a.testCommand,
      sequentialRisk: a.sequentialRisk,
      maxParallel: a.maxParallel,
      segmentTasks: a.segmentTasks,
    });
    const research = await readResearch(a.repoPath, a.research).catch((err) => {
      throw err instanceof ResearchError ? ApplicationFailure.nonRetryable(err.message, 'RepoError') : err;
    });
    // Each planned task's notes go beside its other records, where its agent reads them.
    const noted = research ? Object.keys(research.notes).filter((id) => plan.tasks[id]) : [];
    for (const id of noted) {
      await fs.mkdir(path.dirname(researchNotesFile(a.repoPath, a.runId, id)), { recursive: true });
      await fs.writeFile(researchNotesFile(a.repoPath, a.runId, id), research!.notes[id] + '\n');
    }
    const dir = runDir(a.repoPath, a.runId);
    const planPath = path.join(dir, 'plan.md');
    const planJsonPath = path.join(dir, 'plan.json');
    await fs.writeFile(
      planPath,
      renderPlanMarkdown(plan, {
        runId: a.runId,
        model: a.model,
        ...(deps.standIn ? { standIn: deps.standIn } : {}),
        ...(a.reviewModel ? { reviewModel: a.reviewModel } : {}),
        ...(a.e2eCommand ? { e2eCommand: a.e2eCommand } : {}),
        ...(a.e2eAfter ? { e2eAfter: a.e2eAfter } : {}),
        ...(research ? { research: { path: research.path, taskIds: noted } } : {}),
      }),
    );
    await fs.writeFile(planJsonPath, JSON.stringify(plan, null, 2) + '\n');
    // Only the outline goes back into the workflow's history; batches load their tasks from plan.json.
    const { tasks: planned, conflicts: _, ...outline } = plan;
    return {
      outline: { ...outline, taskCount: Object.keys(planned).length },
      planPath,
      planJsonPath,
      ...(deps.standIn ? { standIn: deps.standIn } : {}),
    };
  },
});
