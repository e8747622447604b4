import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { RunSettings } from '../core/types';
import { intFlag, ParsedArgs, stringFlag, UsageError } from './args';

export const DEFAULT_MODEL = 'claude-haiku-4-5';

export function newRunId(now = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  const stamp = `${now.getUTCFullYear()}${p(now.getUTCMonth() + 1)}${p(now.getUTCDate())}-${p(now.getUTCHours())}${p(now.getUTCMinutes())}${p(now.getUTCSeconds())}`;
  return `${stamp}-${randomBytes(2).toString('hex')}`;
}

const RISK_LEVELS = ['low', 'medium', 'high', 'none'] as const;

/** Run settings from command-line flags. No secret goes in here: it becomes workflow input. */
export function runSettingsFrom(args: ParsedArgs, repo: string): RunSettings {
  const seq = stringFlag(args, 'sequential-risk') ?? 'high';
  if (!(RISK_LEVELS as readonly string[]).includes(seq)) throw new UsageError(`--sequential-risk must be one of ${RISK_LEVELS.join(', ')}`);
  const runId = stringFlag(args, 'run-id') ?? newRunId();
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(runId)) throw new UsageError(`--run-id may only use letters, digits, ".", "_" and "-"`);
  const approve = stringFlag(args, 'approve');
  if (approve !== undefined && !['low', 'medium', 'high'].includes(approve)) throw new UsageError('--approve must be one of low, medium, high');
  const budget = stringFlag(args, 'budget-usd');
  if (budget !== undefined && !(Number(budget) > 0)) throw new UsageError(`--budget-usd must be a positive number of dollars (got "${budget}")`);
  const testCommand = stringFlag(args, 'test-cmd');
  const e2eCommand = stringFlag(args, 'e2e-cmd');
  const installCommand = stringFlag(args, 'install-cmd');
  const setupCommand = stringFlag(args, 'setup-cmd');
  return {
    runId,
    repoPath: path.resolve(repo),
    model: stringFlag(args, 'model') ?? process.env.FLOTILLA_MODEL ?? DEFAULT_MODEL,
    maxParallel: intFlag(args, 'max-parallel', 4),
    attempts: intFlag(args, 'attempts', 2),
    maxTurns: intFlag(args, 'max-turns', 30),
    sequentialRisk: seq as RunSettings['sequentialRisk'],
    ...(testCommand ? { testCommand } : {}),
    ...(e2eCommand ? { e2eCommand } : {}),
    ...(installCommand ? { installCommand } : {}),
    ...(setupCommand ? { setupCommand } : {}),
    ...(approve ? { approveRisk: approve as RunSettings['approveRisk'] } : {}),
    ...(args.flags['allow-dirty'] === true ? { allowDirty: true } : {}),
    ...(args.flags['allow-failing-baseline'] === true ? { allowFailingBaseline: true } : {}),
    ...(args.flags['review-branch'] === true ? { reviewBranch: true } : {}),
    ...(args.flags['max-tokens-per-task'] !== undefined ? { maxTokensPerTask: intFlag(args, 'max-tokens-per-task', 0) } : {}),
    ...(budget !== undefined ? { budgetUsd: Number(budget) } : {}),
    ...(args.flags['segment-tasks'] !== undefined ? { segmentTasks: segmentTasks(args) } : {}),
  };
}

/**
 * Temporal refuses a signal after 10,000 in one execution. The run workflow gets up to about six per task
 * (running, waiting for approval, its end, a re-judgement after a failed batch suite, and its batch's
 * start and end when it runs alone), so a segment stays under 1,200 tasks.
 */
export const MAX_SEGMENT_TASKS = 1200;

function segmentTasks(args: ParsedArgs): number {
  const n = intFlag(args, 'segment-tasks', 1);
  if (n > MAX_SEGMENT_TASKS) throw new UsageError(`--segment-tasks must be at most ${MAX_SEGMENT_TASKS} (got ${n}): the run workflow gets up to six signals per task, and Temporal accepts 10,000 per execution`);
  return n;
}
