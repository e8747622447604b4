import type Anthropic from '@anthropic-ai/sdk';
import * as fs from 'node:fs';
import type { ToolOutcome } from './editor-tool';
import { failureBlocks, renderFailureBlocks } from './tool-output/failure-blocks';
import type { Verdict } from '../test-runs/verdict';
import { gatedReportRun, type SavedBaseline } from '../test-runs/run-with-report';
import { selectTaskTests } from '../test-selection/select-task-tests';

export const RUN_TESTS_TOOL: Anthropic.Tool = {
  name: 'run_tests',
  description:
    "Runs the tests the gate will run on your change: the task's own test command when it names one, else the suite narrowed to the tests related to the files you edited, " +
    "judged against the base commit. Returns whether they pass, the tests your change made fail with each failure's own output, and the tests that already failed or were flaky " +
    'before your change (not yours to fix). Set full to run the whole suite instead. It is slow: run it once your change is complete, not after every edit.',
  input_schema: {
    type: 'object',
    properties: {
      full: { type: 'boolean', description: 'Run the whole test suite rather than the tests the gate selects.' },
    },
  },
};

const TAIL_CHARS = 2_000;
const MAX_LISTED = 20;

export interface TestRunView {
  command: string;
  /** Why these tests (the selection), if narrowed. */
  selection?: string;
  exitCode: number;
  verdict: Pick<Verdict, 'passed' | 'failing' | 'preExisting' | 'flaky' | 'reason'>;
  /** The whole output (the log), for the failure blocks. */
  output: string;
  tail: string;
}

const listed = (ids: string[]) =>
  ids.slice(0, MAX_LISTED).join('; ') + (ids.length > MAX_LISTED ? `; … ${ids.length - MAX_LISTED} more` : '');

/** The tool result the model reads: the verdict, each new failure's block, the base's red and flaky tests marked, and a short tail. */
export function describeTestRun(r: TestRunView): ToolOutcome {
  const v = r.verdict;
  const lines = [`${v.passed ? 'Tests PASSED' : 'Tests FAILED'} (exit code ${r.exitCode}): ${r.command}`];
  if (r.selection) lines.push(`Tests chosen: ${r.selection}`);
  lines.push(`Verdict against the base commit: ${v.reason}`);
  if (v.preExisting.length)
    lines.push(`Already failing at the base (not caused by you; leave them): ${listed(v.preExisting)}`);
  if (v.flaky.length) lines.push(`Flaky at the base (never blamed on you): ${listed(v.flaky)}`);
  if (!v.passed) {
    lines.push(`Failing because of this change: ${listed(v.failing) || '(none named; see the output)'}`);
    const blocks = failureBlocks(
      r.output,
      v.failing.map((id) => id.replace(/ \((vanished|failed to load.*)\)$/, '')),
    );
    if (blocks.some((b) => b.block))
      lines.push('', 'Each failure as the runner reported it:', renderFailureBlocks(blocks));
  }
  const tail = r.tail.length > TAIL_CHARS ? '…' + r.tail.slice(-TAIL_CHARS) : r.tail;
  lines.push('--- end of output ---', tail.trim());
  return { content: lines.join('\n'), isError: !v.passed };
}

export interface RunTestsToolOptions {
  /** The task's test command (its own `tests:`, or the suite). */
  command: string;
  /** The command is the task's own `tests:`: the gate runs it as it is, so does the tool. */
  ownTests?: boolean;
  cwd: string;
  logPath: (call: number) => string;
  /** The files edited so far (the gate's selection follows them); the declared files before any edit. */
  edited?: () => string[];
  /** The base's per-test results (baseline.results.json), to mark what was already red or flaky. */
  baseline?: () => SavedBaseline | null;
  timeoutMs?: number;
  onTick?: () => void;
}

/**
 * The run_tests tool for one worktree: runs only the task's command, narrowed as the gate narrows it, never
 * anything the model supplies, and judges the run against the base as the gate does (without the gate's
 * flaky re-runs: it is the agent's quick look). Each call logs to its own file, `logPath(n)`.
 */
export function makeRunTestsTool(o: RunTestsToolOptions) {
  let calls = 0;
  return async (input: { full?: unknown } = {}): Promise<ToolOutcome> => {
    calls++;
    const log = o.logPath(calls);
    const edited = o.edited?.() ?? [];
    const choice =
      o.ownTests || input.full === true || !edited.length
        ? { command: o.command, selection: undefined }
        : await selectTaskTests(o.cwd, o.command, edited);
    const saved = o.baseline?.() ?? null;
    const judged = await gatedReportRun(choice.command, o.cwd, log, {
      baseline: saved,
      knownFlaky: [],
      edited,
      fullSuite: choice.command === (saved?.command ?? o.command) && !o.ownTests,
      maxReruns: 0,
      onTick: o.onTick,
    });
    const first = judged.runs[0].result;
    const output = (() => {
      try {
        return fs.readFileSync(log, 'utf8');
      } catch {
        return first.tail;
      }
    })();
    return describeTestRun({
      command: choice.command,
      ...(choice.selection ? { selection: choice.selection } : {}),
      exitCode: first.exitCode,
      verdict: judged.verdict,
      output,
      tail: first.tail,
    });
  };
}
