// Shapes shared by the planner, the workflows (as types only) and the CLI.

export type Risk = 'low' | 'medium' | 'high';
export const RISKS: readonly Risk[] = ['low', 'medium', 'high'];
/** A risk's rank: the higher, the later its phase and the sooner it waits for approval. */
export const RISK_RANK: Readonly<Record<Risk, number>> = { low: 0, medium: 1, high: 2 };

/** One SEARCH/REPLACE block from a task's "Change" section. Empty `search` creates a new file. */
export interface ChangeBlock {
  path: string;
  search: string;
  replace: string;
}

export interface Task {
  id: string;
  title: string;
  category: string;
  risk: Risk;
  /** Files declared in front matter, repo-relative, normalised. */
  files: string[];
  /** Optional task-specific test command. */
  tests?: string;
  dependsOn: string[];
  description: string;
  changes: ChangeBlock[];
  /** Repo-relative path of the task file, e.g. tasks/TASK-0007.md. */
  sourcePath: string;
}

/** A task file that could not be used, with the reason. */
export interface TaskProblem {
  file: string;
  id?: string;
  reason: string;
}

export interface TaskFile {
  path: string;
  text: string;
}

export type BatchMode = 'parallel' | 'sequential';

export interface PlannedTask {
  id: string;
  title: string;
  category: string;
  risk: Risk;
  /** Every file the task is known to touch (declared plus Change block paths). */
  touches: string[];
  /** Of those, the files the repository does not have yet: the task creates them (they count in conflicts like any other). */
  creates?: string[];
  tests?: string;
  dependsOn: string[];
  sourcePath: string;
  module: string;
  estimateMinutes: number;
}

export interface Batch {
  /** e.g. "1A" */
  id: string;
  phase: number;
  mode: BatchMode;
  label: string;
  taskIds: string[];
}

export interface Phase {
  number: number;
  name: string;
  risk: Risk;
  batches: Batch[];
  /** The fewest batches any valid schedule of this phase could use (for judging the plan). */
  lowerBound: number;
  /** Every task of this phase runs alone because of its risk (--sequential-risk). */
  sequentialByRisk?: boolean;
}

/** A file shared by several tasks: they can never run in the same parallel batch. */
export interface Conflict {
  file: string;
  tasks: string[];
}

/** Consecutive batches one execution of the run workflow handles before it continues-as-new. */
export interface Segment {
  number: number;
  batchIds: string[];
  tasks: number;
}

export interface Plan {
  version: 1;
  repoName: string;
  tasks: Record<string, PlannedTask>;
  phases: Phase[];
  /** Task files that were not planned, with why. */
  skipped: TaskProblem[];
  conflicts: Conflict[];
  /** How the run is split for Temporal: the run workflow continues-as-new between segments. */
  segments: Segment[];
  testCommand: string;
  maxParallel: number;
  totalEstimateMinutes: number;
}

export interface PlanOptions {
  repoName: string;
  testCommand: string;
  /** Risk level from which tasks run one at a time. */
  sequentialRisk: Risk | 'none';
  maxParallel: number;
  /** Tasks per batch at most (default 500, so no batch workflow nears Temporal's history and child limits). */
  maxBatchTasks?: number;
  /** Files of the repository at the base commit: a task declaring a file that is not there is skipped. */
  existingFiles?: ReadonlySet<string>;
  /** Tasks per segment at most (default 1000): the run workflow continues-as-new between segments. */
  segmentTasks?: number;
}
