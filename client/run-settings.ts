import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { RunSettings } from '../core/types';
import { bool, type FlagSpec, num, type ParsedArgs, str, UsageError } from './args';

export const DEFAULT_MODEL = 'claude-haiku-4-5';

export function newRunId(now = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  const stamp = `${now.getUTCFullYear()}${p(now.getUTCMonth() + 1)}${p(now.getUTCDate())}-${p(now.getUTCHours())}${p(now.getUTCMinutes())}${p(now.getUTCSeconds())}`;
  return `${stamp}-${randomBytes(2).toString('hex')}`;
}

const RISK_LEVELS = ['low', 'medium', 'high', 'none'] as const;

/** The run's flags (run, demo; plan takes those that shape the plan). */
export const RUN_FLAGS = {
  model: {
    type: 'string',
    value: 'MODEL',
    description: 'Anthropic model for the agents',
    defaultText: `FLOTILLA_MODEL, or ${DEFAULT_MODEL}`,
  },
  'max-parallel': {
    type: 'string',
    value: 'N',
    int: { min: 1 },
    default: 4,
    description:
      "lanes: this run's tasks at once in a batch (the widest batch); what runs at once is the smaller of this and the workers' agent slots (flotilla worker --agent-slots: model turns at once)",
  },
  attempts: {
    type: 'string',
    value: 'N',
    int: { min: 1 },
    default: 2,
    description: 'tries per task (a failed try gets the test output back)',
  },
  'max-turns': { type: 'string', value: 'N', int: { min: 1 }, default: 30, description: 'model turns per try' },
  'test-cmd': {
    type: 'string',
    value: 'CMD',
    description: 'the test suite command',
    defaultText: 'detected from package.json, a Makefile, pytest, go.mod or Cargo.toml',
  },
  'e2e-cmd': {
    type: 'string',
    value: 'CMD',
    description: 'the end-to-end command',
    defaultText: 'detected: a test:e2e or e2e script, a Playwright or Cypress config, or an e2e folder',
  },
  'e2e-after': {
    type: 'string',
    value: 'WHEN',
    choices: ['phase', 'run', 'never'],
    default: 'phase',
    description:
      "run the e2e suite after every phase on its last commit (a red run rolls back the phase's changes that break it), once on the final branch, or never",
  },
  'install-cmd': {
    type: 'string',
    value: 'CMD',
    description: 'installs dependencies once per run when the repository has no node_modules',
    defaultText: 'from the lockfile: npm ci, yarn or pnpm',
  },
  'setup-cmd': { type: 'string', value: 'CMD', description: 'runs in every fresh worktree' },
  'sequential-risk': {
    type: 'string',
    value: 'LEVEL',
    choices: RISK_LEVELS,
    default: 'high',
    description: 'tasks of this risk or higher run one at a time',
  },
  approve: {
    type: 'string',
    value: 'LEVEL',
    choices: ['low', 'medium', 'high'],
    description: 'tasks of this risk or higher wait for "flotilla approve"',
  },
  'allow-dirty': { type: 'boolean', description: 'start even though the working tree has uncommitted changes' },
  'allow-failing-baseline': {
    type: 'boolean',
    description: 'go on when tests already fail on the base commit (they count as red)',
  },
  review: {
    type: 'string',
    value: 'MODE',
    choices: ['gate', 'advisory', 'off'],
    default: 'gate',
    description:
      'code review of each change before its commit: gate blocks on requested changes, advisory only records them, off skips the review',
  },
  'review-model': {
    type: 'string',
    value: 'MODEL',
    description: 'Anthropic model for the reviewer',
    defaultText: "the run's model",
  },
  research: {
    type: 'string',
    value: 'FILE',
    description:
      "the research document the tasks came from: named in the plan, and its notes on each task (by id) given to that task's agent",
    defaultText: '.prompts/<folder>/*research*.md when there is one',
  },
  'review-branch': { type: 'boolean', description: 'also build flotilla/<runId>-review with one commit per category' },
  'max-tokens-per-task': {
    type: 'string',
    value: 'N',
    int: { min: 1 },
    description: 'skip a task once it has used more tokens than this',
  },
  'budget-usd': {
    type: 'string',
    value: 'X',
    positive: true,
    unit: 'dollars',
    description: 'pause the run when the model cost reaches X dollars',
  },
  'run-id': {
    type: 'string',
    value: 'ID',
    description: 'the run id (letters, digits, ".", "_", "-")',
    defaultText: 'generated, e.g. 20250101-120000-ab12',
  },
  'flaky-reruns': {
    type: 'string',
    value: 'N',
    int: { min: 0 },
    default: 3,
    description:
      'before any verdict, re-run only the failing tests up to N times: one that passes is flaky, never blamed',
  },
  'segment-tasks': {
    type: 'string',
    value: 'N',
    int: { min: 1 },
    description: `tasks per execution of the run workflow, at most 1200 (it continues-as-new between segments)`,
    defaultText: '1000',
  },
  sandbox: {
    type: 'string',
    value: 'MODE',
    choices: ['auto', 'required', 'off'],
    default: 'auto',
    description:
      'contain every repository command (tests, setup, install) in bubblewrap: auto uses it when it works and says when it does not, required fails the run without it',
  },
  'sandbox-network': {
    type: 'boolean',
    description: 'let sandboxed commands use the network (the install command always may)',
  },
} satisfies Record<string, FlagSpec>;

/** The same flags, picked by name (for commands that take some of them). */
export function runFlags(...names: (keyof typeof RUN_FLAGS)[]): Record<string, FlagSpec> {
  return Object.fromEntries(names.map((n) => [n, RUN_FLAGS[n]]));
}

/** Run settings from command-line flags (already checked by the parser). No secret goes in here: it becomes workflow input. */
export function runSettingsFrom(args: ParsedArgs, repo: string): RunSettings {
  const runId = str(args, 'run-id') ?? newRunId();
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(runId))
    throw new UsageError(`--run-id may only use letters, digits, ".", "_" and "-" (got "${runId}")`);
  const approve = str(args, 'approve');
  const budget = num(args, 'budget-usd');
  const testCommand = str(args, 'test-cmd');
  const e2eCommand = str(args, 'e2e-cmd');
  const e2eAfter = str(args, 'e2e-after') as RunSettings['e2eAfter'];
  const installCommand = str(args, 'install-cmd');
  const setupCommand = str(args, 'setup-cmd');
  const maxTokens = num(args, 'max-tokens-per-task');
  const segments = num(args, 'segment-tasks');
  const review = (str(args, 'review') ?? 'gate') as NonNullable<RunSettings['review']>;
  const reviewModel = str(args, 'review-model');
  const research = str(args, 'research');
  const sandbox = str(args, 'sandbox');
  return {
    runId,
    repoPath: path.resolve(repo),
    model: str(args, 'model') ?? process.env.FLOTILLA_MODEL ?? DEFAULT_MODEL,
    maxParallel: num(args, 'max-parallel') ?? 4,
    attempts: num(args, 'attempts') ?? 2,
    maxTurns: num(args, 'max-turns') ?? 30,
    flakyReruns: num(args, 'flaky-reruns') ?? 3,
    sequentialRisk: (str(args, 'sequential-risk') ?? 'high') as RunSettings['sequentialRisk'],
    ...(testCommand ? { testCommand } : {}),
    ...(e2eCommand ? { e2eCommand } : {}),
    ...(e2eAfter && e2eAfter !== 'phase' ? { e2eAfter } : {}),
    ...(installCommand ? { installCommand } : {}),
    ...(setupCommand ? { setupCommand } : {}),
    ...(approve ? { approveRisk: approve as RunSettings['approveRisk'] } : {}),
    ...(bool(args, 'allow-dirty') ? { allowDirty: true } : {}),
    ...(bool(args, 'allow-failing-baseline') ? { allowFailingBaseline: true } : {}),
    ...(bool(args, 'review-branch') ? { reviewBranch: true } : {}),
    ...(review !== 'gate' ? { review } : {}),
    ...(reviewModel ? { reviewModel } : {}),
    ...(research ? { research: path.resolve(research) } : {}),
    ...(maxTokens !== undefined ? { maxTokensPerTask: maxTokens } : {}),
    ...(budget !== undefined ? { budgetUsd: budget } : {}),
    ...(segments !== undefined ? { segmentTasks: checkSegmentTasks(segments) } : {}),
    ...(sandbox && sandbox !== 'auto' ? { sandbox: sandbox as RunSettings['sandbox'] } : {}),
    ...(bool(args, 'sandbox-network') ? { sandboxNetwork: true } : {}),
  };
}

/**
 * Temporal refuses a signal after 10,000 in one execution. The run workflow gets up to about six per task
 * (running, waiting for approval, its end, a re-judgement after a failed batch suite, and its batch's
 * start and end when it runs alone), so a segment stays under 1,200 tasks.
 */
export const MAX_SEGMENT_TASKS = 1200;

function checkSegmentTasks(n: number): number {
  if (n > MAX_SEGMENT_TASKS)
    throw new UsageError(
      `--segment-tasks must be at most ${MAX_SEGMENT_TASKS} (got ${n}): the run workflow gets up to six signals per task, and Temporal accepts 10,000 per execution`,
    );
  return n;
}
