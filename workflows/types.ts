// Inputs and results of the child workflows.
import type { Baseline, RunSettings, TaskState, TokenUsage } from '../activities/types';
import type { Batch, Phase, PlannedTask } from '../planner/types';
import type { ControlState } from './control';

/** What every child needs to know about the run. */
export interface RunContext {
  runId: string;
  repoPath: string;
  rootWorkflowId: string;
  testCommand: string;
  baseline: Baseline;
  settings: Pick<RunSettings, 'model' | 'maxParallel' | 'attempts' | 'maxTurns' | 'approveRisk' | 'maxTokensPerTask' | 'setupCommand'>;
}

export interface TaskInput {
  ctx: RunContext;
  task: PlannedTask;
  baseSha: string;
}

export interface TaskOutcome {
  id: string;
  /** ready: committed in its worktree and waiting to be put on the run branch. */
  status: 'ready' | 'skipped' | 'failed';
  commit?: string;
  summary?: string;
  reason?: string;
  failingTests?: string[];
  warnings?: string[];
  attempts: number;
  usage: TokenUsage;
  /** Set when the failure means no other task can succeed either (e.g. the API key was rejected). */
  fatal?: boolean;
}

export interface BatchInput {
  ctx: RunContext;
  batch: Batch;
  tasks: PlannedTask[];
  tip: string;
  /** Tasks that did not commit earlier in the run, with why: their dependents are skipped. */
  blocked: Record<string, string>;
  control: ControlState;
}

export interface GroupResult {
  tip: string;
  tasks: TaskState[];
  fatal?: string;
}

export interface PhaseInput {
  ctx: RunContext;
  phase: Phase;
  tasks: Record<string, PlannedTask>;
  tip: string;
  blocked: Record<string, string>;
  control: ControlState;
}
