// The data both layers share: activity inputs and results, task and run states. Types only, sandbox-safe.
import type { Plan } from '../planner/types';
import type { TaskHost } from './task-queues';
/** Tokens a model call (or a task, or a run) used, and what they cost. */
export interface TokenUsage {
  inputTokens: number;
  outputTokens: number;
  cacheWriteTokens: number;
  cacheReadTokens: number;
  /** US dollars, when the model has a known price (activities/agent/pricing.ts); undefined means tokens only. */
  costUsd?: number;
}

/** --sandbox: auto (sandbox when bubblewrap works, say so when not), required (fail without it), off. */
export type SandboxMode = 'auto' | 'required' | 'off';

export interface RunSettings {
  runId: string;
  /** Absolute path of the user's repository on the worker's machine. */
  repoPath: string;
  model: string;
  maxParallel: number;
  /** Agent attempts per task (the failing test output is fed back between attempts). */
  attempts: number;
  maxTurns: number;
  /** Overrides the detected test command. */
  testCommand?: string;
  /** The end-to-end command (default: detected, see activities/test-runs/detect-e2e-command.ts). */
  e2eCommand?: string;
  /** When the e2e suite runs (default phase): after every phase on its last commit, once on the final branch, or never. */
  e2eAfter?: 'phase' | 'run' | 'never';
  sequentialRisk: 'low' | 'medium' | 'high' | 'none';
  /** Tasks at or above this risk wait for `flotilla approve` before they start. */
  approveRisk?: 'low' | 'medium' | 'high';
  /** Start even if the working tree has uncommitted changes (only committed files are used). */
  allowDirty?: boolean;
  /** Go on when the suite already fails before any change; those tests count as already red. */
  allowFailingBaseline?: boolean;
  /** Also build flotilla/<runId>-review: one commit per category of change. */
  reviewBranch?: boolean;
  /** A task that uses more tokens than this (input, output and cache) stops and is skipped. */
  maxTokensPerTask?: number;
  /** The run pauses when its model cost reaches this many dollars; resume with a higher budget. */
  budgetUsd?: number;
  /** Installs dependencies once for the run when the repository has none installed (default: from the lockfile). */
  installCommand?: string;
  /** Runs in every fresh worktree before the agent starts (e.g. code generation). */
  setupCommand?: string;
  /** Tasks per segment (default 1000): the run workflow continues-as-new between segments. */
  segmentTasks?: number;
  /** Re-runs of failing tests before any verdict, to tell flaky from broken (default 3). */
  flakyReruns?: number;
  /** Code review of each task before its commit (default gate): gate blocks on a request for changes, advisory only records it, off skips it. */
  review?: ReviewMode;
  /** The reviewer's model (default: `model`). */
  reviewModel?: string;
  /** The research document the tasks came from (absolute, or relative to repoPath); default: .prompts/<folder>/*research*.md when there is one. */
  research?: string;
  /** How repository commands (tests, --setup-cmd, --install-cmd, run_tests) are contained (default auto). */
  sandbox?: SandboxMode;
  /** Sandboxed commands may use the network (default: none; the install command always may). */
  sandboxNetwork?: boolean;
}

export type ReviewMode = 'gate' | 'advisory' | 'off';

/** A reviewer's remark, tied to a file and line where it can be. */
export interface ReviewComment {
  file?: string;
  line?: number;
  message: string;
  /** The deterministic check that made it, for findings of the checks. */
  check?: string;
}

/** A task's code review: the last verdict, and what every review of the task cost. */
export interface TaskReview {
  verdict: 'approve' | 'request_changes';
  /** One line: why (the first finding, or the reviewer's summary). */
  summary: string;
  comments: ReviewComment[];
  /** checks: a deterministic check found something (no model call); model: the reviewer agent decided. */
  by: 'checks' | 'model';
  /** All of the task's reviews (every attempt), also counted in the task's usage. */
  usage: TokenUsage;
  model?: string;
  /** How many reviews the task had (one per attempt whose tests passed). */
  reviews?: number;
  /** advisory: recorded, never blocking. */
  mode?: Exclude<ReviewMode, 'off'>;
  transcriptPath?: string;
}

/** The run-level review after the final suite: one pass per category over the run's combined diff. Advisory. */
export interface RunReview {
  model: string;
  notes: Array<{
    category: string;
    tasks: string[];
    verdict: TaskReview['verdict'];
    summary: string;
    comments: ReviewComment[];
  }>;
  usage: TokenUsage;
  /** Set when the review could not be done (it never fails the run). */
  error?: string;
}

export interface PreparedRun {
  baseSha: string;
  branch: string;
  runDir: string;
  testCommand: string;
  /** The e2e command, given or detected; absent with --e2e-after never or when the repository has none. */
  e2eCommand?: string;
}

/** What the checks after a phase found (review.md has a section per phase). */
export interface PhaseCheck {
  /** The phase, or its part in this segment ("2", "2.1"). */
  phase: string;
  /** The step whose green full-suite run was on the phase's last commit (absent: no green run there). */
  suiteReusedFrom?: string;
  /** The e2e suite on the phase's last commit (after any rollback, the run that found it red). */
  e2e?: TestEvidence;
  /** Tasks rolled back because the e2e suite failed with them. */
  rolledBack?: string[];
  /** The e2e suite was already red at the phase's start, before its changes: nothing was rolled back for it. */
  redStart?: boolean;
}

export interface TestEvidence {
  command: string;
  /** The verdict against the baseline: no test that was green went red (flaky and already-red tests aside). */
  passed: boolean;
  exitCode: number;
  /** Tests this change made fail (for a baseline: the tests that fail consistently). */
  failingTests: string[];
  tail: string;
  logPath: string;
  durationMs: number;
  /** Tests that flipped between two runs: never blamed on a task. */
  flaky?: string[];
  /** Tests that already failed at the baseline (with --allow-failing-baseline). */
  preExisting?: string[];
  /** For a task's tests: which tests were chosen and why ("related to src/a.js: test/a.test.js", "full suite: …"). */
  selection?: string;
  /** The judge's reasoning in one line (what failed, or why it passed). */
  verdict?: string;
  /** Set when this suite was not run again: the commit was already validated by this suite (e.g. "batch-2B"). */
  alreadyValidatedBy?: string;
  /** Tests the change removed from files it edited (allowed, and listed for the reviewer). */
  removedTests?: string[];
}

/** What the suite looked like before any change. */
export interface Baseline {
  failing: string[];
  flaky: string[];
}

/** The plan without its per-task details (those stay in plan.json): what travels through the run's history. */
export type PlanOutline = Omit<Plan, 'tasks' | 'conflicts'> & { taskCount: number };

export interface PlannedRun {
  outline: PlanOutline;
  planPath: string;
  planJsonPath: string;
  /** Why the stand-in model (not Claude) answers for this worker's agents, when it does. */
  standIn?: string;
}

export interface TaskRef {
  runId: string;
  repoPath: string;
  taskId: string;
}

export interface AgentOutcome {
  ok: boolean;
  summary: string;
  edited: string[];
  turns: number;
  usage: TokenUsage;
  transcriptPath: string;
  /** The conversation had already ended in an earlier run of this task attempt (its host died after it): replayed, no model call. */
  replayed?: boolean;
  /** Set when ok is false. */
  reason?: string;
  /** The host whose disk holds the worktree (set by workers that poll a host queue of their own). */
  host?: TaskHost;
}

/** How an agent's turn left its conversation: `continue` (another turn follows), else how the conversation ended. */
export type AgentTurnOutcome = 'continue' | 'ok' | 'max_turns' | 'refusal' | 'context_window' | 'over_budget';

/**
 * One model turn of a task's agent (startAgent's first, agentTurn's later ones), as the task workflow sees it:
 * small, since it goes into history. The conversation, tool results and files stay on disk (the turn's checkpoint).
 */
export interface AgentTurn {
  turn: number;
  outcome: AgentTurnOutcome;
  /** The tool calls the turn ran, as short notes (`str_replace src/a.ts`, `search grep`, `run_tests`). */
  tools: string[];
  /** The files the agent has edited so far, repository-relative, sorted (its task file left out). */
  edited: string[];
  /** What this activity paid for: the turn's tokens, plus those of earlier tries of it that died unreported. */
  usage: TokenUsage;
  /** Set when the conversation is over: the agent's summary, and whether it is a change to test (else why not). */
  final?: { ok: boolean; summary: string; reason?: string };
  /** Answered from the turn's checkpoint (an earlier try, or an earlier host, had answered it): no model request was sent. */
  replayed?: boolean;
}

/** What startAgent returns: where the worktree is, whether model requests are rate-limited, and the first turn. */
export interface AgentStart {
  /** The host whose disk holds the worktree (set by workers that poll a host queue of their own). */
  host?: TaskHost;
  /** The worker has --agent-rpm: each later turn first takes a permit from the shared agents queue (its server-side rate). */
  rateLimited: boolean;
  transcriptPath: string;
  /** Turn 1; or, when this task attempt's conversation had got further on a host that stopped, its last turn (replayed). */
  turn: AgentTurn;
}

/** The task's own test run that decided it (the last attempt's): what ran, why those tests, and its log. */
export interface TaskTestRun {
  command: string;
  /** Why these tests: "related to src/a.js: test/a.test.js", "full suite: …"; absent for the task's own `tests:`. */
  selection?: string;
  passed: boolean;
  logPath: string;
  durationMs: number;
}

/**
 * `integrated`: its change is on the run branch, but its batch's full suite has not passed on it yet (it becomes
 * `committed` when it does; a batch that ends without a green suite leaves it `integrated`, never `committed`).
 */
export type TaskStatus =
  'pending' | 'awaiting-approval' | 'running' | 'integrated' | 'committed' | 'skipped' | 'failed';

export interface TaskState {
  id: string;
  title: string;
  status: TaskStatus;
  phase: number | null;
  batch: string | null;
  attempts: number;
  commit?: string;
  reason?: string;
  failingTests?: string[];
  usage?: TokenUsage;
  /** Things a reviewer should know, e.g. files changed that the task file did not name. */
  warnings?: string[];
  tests?: TaskTestRun;
  /** Its code review (absent with --review off). */
  review?: TaskReview;
}

/** How many tasks are in each status; `planned` counts the tasks in a batch (not those skipped at planning). */
export type TaskCounts = Record<TaskStatus, number> & { planned: number };

export interface BatchState {
  id: string;
  phase: number;
  label: string;
  mode: 'parallel' | 'sequential';
  taskIds: string[];
  state: 'pending' | 'running' | 'done';
  suite?: TestEvidence;
  /** How its tasks ended, once it is done. */
  outcome?: { committed: number; skipped: number; failed: number };
}

/** aborted: by the operator (flotilla abort); cancelled: from Temporal itself (Web UI, temporal workflow cancel). */
export type RunStatusName =
  'starting' | 'planning' | 'running' | 'paused' | 'completed' | 'aborted' | 'cancelled' | 'failed';

export interface RunReport {
  runId: string;
  status: RunStatusName;
  repoPath: string;
  branch: string | null;
  baseSha: string | null;
  /** The configured model (--model). */
  model: string;
  /** Set when the stand-in model (not Claude) did the work instead, with why. */
  standIn?: string;
  planPath: string | null;
  reason?: string;
  startedAt: string;
  finishedAt?: string;
  baseline?: TestEvidence;
  final?: TestEvidence;
  e2e?: TestEvidence;
  /** The checks after each phase. */
  phaseChecks?: PhaseCheck[];
  batches: BatchState[];
  /**
   * Tasks the run holds in memory: all of them for a run of one segment. A run of several segments keeps
   * the current segment's tasks and every task that did not commit; the committed tasks of earlier
   * segments are in report.json (and counted in `counts`), see `tasksElsewhere`.
   */
  tasks: TaskState[];
  /** Tasks by status, over the whole run. */
  counts: TaskCounts;
  /** Committed tasks of earlier segments that `tasks` leaves out (they are in report.json). */
  tasksElsewhere?: number;
  /** Which segment of the run is executing, and of how many (see the plan). */
  segment?: { number: number; of: number };
  usage: TokenUsage;
  /** With --review-branch: the branch built, or why not. */
  reviewBranch?: { branch?: string; note: string };
  /** The run-level review (advisory), unless --review off; its cost is in `usage`. */
  runReview?: RunReview;
}
