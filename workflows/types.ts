// Inputs and results of the child workflows.
import type {
  Baseline,
  PhaseCheck,
  PlanOutline,
  RunReport,
  RunSettings,
  TaskReview,
  TaskState,
  TaskTestRun,
  TestEvidence,
  TokenUsage,
} from '../core/types';
import type { Batch, Phase, PlannedTask } from '../planner/types';
import type { RunStateCarry } from '../core/run-state';
import type { ControlState } from '../core/control';
import type { TaskHost } from '../core/task-queues';
import type { TaskLane } from './batch/lanes';

/** What every child needs to know about the run. */
export interface RunContext {
  runId: string;
  repoPath: string;
  rootWorkflowId: string;
  testCommand: string;
  /** The e2e command, given or detected (absent with --e2e-after never). */
  e2eCommand?: string;
  baseline: Baseline;
  settings: Pick<
    RunSettings,
    | 'model'
    | 'maxParallel'
    | 'attempts'
    | 'maxTurns'
    | 'approveRisk'
    | 'maxTokensPerTask'
    | 'setupCommand'
    | 'flakyReruns'
    | 'review'
    | 'reviewModel'
    | 'e2eAfter'
  >;
}

export interface TaskInput extends TaskLane {
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
  tests?: TaskTestRun;
  /** Its code review, unless --review off. */
  review?: TaskReview;
  attempts: number;
  usage: TokenUsage;
  /** Set when the failure means no other task can succeed either (e.g. the API key was rejected). */
  fatal?: boolean;
  /** A ready task's worktree, left for its batch to remove, is on these hosts ([]: on the run's own queue). */
  worktreesOn?: TaskHost[];
}

export interface BatchInput {
  ctx: RunContext;
  /** The batch's tasks are loaded from plan.json by id, so their details stay out of the parents' history. */
  batch: Batch;
  tip: string;
  /** Tasks that did not commit earlier in the run, with why: their dependents are skipped. */
  blocked: Record<string, string>;
  control: ControlState;
  /** For the operator-retry batch: what each task's earlier tries cost, added to its usage. */
  priorUsage?: Record<string, TokenUsage>;
}

export interface GroupResult {
  tip: string;
  tasks: TaskState[];
  fatal?: string;
  /** The last full-suite run that passed on a commit of the run branch (the final validation need not repeat it). */
  validated?: { sha: string; label: string; suite: TestEvidence };
  /** A phase's checks after its steps. */
  phaseCheck?: PhaseCheck;
  /** The e2e suite's last green run after a phase, and the commit it passed on. */
  e2ePassed?: { sha: string; label: string; evidence: TestEvidence };
}

export interface PhaseInput {
  ctx: RunContext;
  /** The phase, or the part of it that falls in the current segment. */
  phase: Phase;
  tip: string;
  blocked: Record<string, string>;
  control: ControlState;
}

/** What the run workflow carries into its next execution when it continues-as-new between segments. */
export interface RunCarry {
  /** Index of the segment to run next. */
  segment: number;
  report: Omit<RunReport, 'tasks' | 'batches' | 'counts' | 'usage'>;
  outline: PlanOutline;
  ctx: RunContext;
  tip: string;
  control: ControlState;
  state: RunStateCarry;
}
