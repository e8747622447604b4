import { heartbeatSafe } from '../heartbeat';
import { judge } from './judge-tests';
import { CommandResult, runShell } from './run-shell';
import type { Baseline, TestEvidence } from '../../core/types';

/** Runs a test command; if it fails, runs it once more so flaky tests are told apart from real breakage. */
export async function runTwiceOnFailure(command: string, cwd: string, logPath: string): Promise<[CommandResult, CommandResult | null]> {
  const first = await runShell(command, cwd, logPath, { onTick: heartbeatSafe });
  if (first.passed) return [first, null];
  const rerun = await runShell(command, cwd, logPath.replace(/\.log$/, '.rerun.log'), { onTick: heartbeatSafe });
  return [first, rerun];
}

/** A test run judged against the baseline (see judge-tests.ts). */
export async function gatedTestRun(command: string, cwd: string, logPath: string, baseline: Baseline): Promise<TestEvidence> {
  const [first, rerun] = await runTwiceOnFailure(command, cwd, logPath);
  return judge(first, rerun, baseline);
}
