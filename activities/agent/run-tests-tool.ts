import type Anthropic from '@anthropic-ai/sdk';
import type { ToolOutcome } from './editor-tool';
import { type CommandResult, runShell } from '../test-runs/run-shell';

export const RUN_TESTS_TOOL: Anthropic.Tool = {
  name: 'run_tests',
  description:
    "Runs this task's test command in the repository and returns its exit code and the end of its output. " +
    'It takes no input: the command is fixed. Use it to check a change before you finish; it is slow, so do not call it after every edit.',
  input_schema: { type: 'object', properties: {} },
};

const TAIL_CHARS = 4_000;

/** The tool result the model reads: the exit code, the failing tests if known, and the tail of the output. */
export function describeTestRun(r: CommandResult): ToolOutcome {
  const head = r.passed ? `Tests passed (exit code 0): ${r.command}` : `Tests FAILED (exit code ${r.exitCode}): ${r.command}`;
  const failing = r.failingTests.length ? `\nFailing tests: ${r.failingTests.slice(0, 20).join('; ')}` : '';
  const tail = r.tail.length > TAIL_CHARS ? '…' + r.tail.slice(-TAIL_CHARS) : r.tail;
  return { content: `${head}${failing}\n--- end of output ---\n${tail.trim()}`, isError: !r.passed };
}

/**
 * The run_tests tool for one worktree: runs only `command` (the task's configured tests), never anything
 * the model supplies. Each call logs to its own file, `logPath(n)`.
 */
export function makeRunTestsTool(o: { command: string; cwd: string; logPath: (call: number) => string; timeoutMs?: number; onTick?: () => void }) {
  let calls = 0;
  return async (): Promise<ToolOutcome> => {
    calls++;
    const result = await runShell(o.command, o.cwd, o.logPath(calls), { timeoutMs: o.timeoutMs ?? 10 * 60_000, onTick: o.onTick });
    return describeTestRun(result);
  };
}
