/**
 * Gathers what the first user message carries (first-message.ts): the task file and the files it declares,
 * read from the base commit; the tests the gate will run (its own selection, on the prepared worktree); the
 * repository's conventions; and, on a retry, the previous attempt's diff (from its last turn's checkpoint
 * tree) and each failing test's block (from its test log).
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { parseTaskFile } from '../../../planner/parse-task';
import { Git, runGit } from '../../git/git-process';
import { MAX_CHANGED_LINES_PER_FILE } from '../../review/checks';
import { selectTaskTests } from '../../test-selection/select-task-tests';
import { latestTurnCheckpoint } from '../checkpoint';
import { failureBlocks, renderFailureBlocks } from '../tool-output/failure-blocks';
import { type DeclaredFile, type PreviousAttempt, type TheWork } from './first-message';
import { readConventionsAt } from '../repo-conventions';
import { ledgerKey } from '../spent-ledger';

/** A previous attempt's diff longer than this is cut (the agent can view the files). */
export const MAX_PREVIOUS_DIFF_CHARS = 16_000;
/** Declared files larger than this are not read into the message (generated files, data). */
const MAX_DECLARED_BYTES = 400_000;

export interface BriefInput {
  repoPath: string;
  taskId: string;
  baseSha: string;
  sourcePath: string;
  testCommand: string;
  maxTurns: number;
  attempt: number;
  /** The task's folder (run records) and the task workflow's run id: where the previous attempt's checkpoints and logs are. */
  dir: string;
  workflowRunId: string;
  /** The worktree once it is prepared (the gate's selection reads its files). */
  worktree: () => Promise<string>;
  feedback?: string;
  feedbackFrom?: 'tests' | 'review';
  failingTests?: string[];
  testVerdict?: string;
}

/** The file's text at `sha`, or undefined when it is not a regular file there (or too large). */
async function fileAt(git: Git, sha: string, file: string): Promise<string | undefined> {
  const entry = (await git.raw(['ls-tree', '-l', sha, '--', file]).catch(() => '')).trim();
  const m = /^(100644|100755) blob [0-9a-f]+\s+(\d+)\t/.exec(entry);
  if (!m || Number(m[2]) > MAX_DECLARED_BYTES) return undefined;
  return git.raw(['show', `${sha}:${file}`]).catch(() => undefined);
}

const bounded = (text: string, max: number) =>
  text.length > max ? `${text.slice(0, max)}\n… (diff cut: ${text.length - max} more characters)` : text;

/** What the previous attempt did and why it was refused; undefined on a first attempt. */
export async function previousAttempt(b: BriefInput): Promise<PreviousAttempt | undefined> {
  if (!b.feedback || b.attempt < 2) return undefined;
  const prev = b.attempt - 1;
  const from = b.feedbackFrom ?? 'tests';
  const cp = b.workflowRunId
    ? await latestTurnCheckpoint(b.dir, ledgerKey(b.workflowRunId, prev)).catch(() => null)
    : null;
  const diff = cp?.tree
    ? await runGit(
        b.repoPath,
        ['diff', '--no-color', '--no-ext-diff', '-M', b.baseSha, cp.tree, '--', '.', ':(exclude)tasks/'],
        { strict: true },
      ).catch(() => undefined)
    : undefined;
  const log = from === 'tests' ? await fs.readFile(path.join(b.dir, `tests-${prev}.log`), 'utf8').catch(() => '') : '';
  const failing = from === 'tests' ? (b.failingTests ?? []) : [];
  const blocks = log ? failureBlocks(log, failing) : [];
  const rendered = blocks.some((x) => x.block) ? renderFailureBlocks(blocks) : '';
  const verdict =
    from === 'review'
      ? b.feedback
      : [b.testVerdict, rendered ? '' : `The end of the test output:\n${b.feedback}`].filter(Boolean).join('\n');
  return {
    attempt: prev,
    from,
    verdict: verdict || b.feedback,
    ...(diff ? { diff: bounded(diff, MAX_PREVIOUS_DIFF_CHARS) } : {}),
    ...(failing.length ? { failingTests: failing } : {}),
    ...(rendered ? { failureBlocks: rendered } : {}),
  };
}

/** Everything the first message needs, read from the base commit and the prepared worktree. */
export async function gatherTheWork(b: BriefInput): Promise<TheWork> {
  const git = new Git(b.repoPath);
  // The research notes planRun wrote for this task (run-paths' researchNotesFile: research.md in the task's folder).
  const [taskFile, conventions, research] = await Promise.all([
    git.raw(['show', `${b.baseSha}:${b.sourcePath}`]),
    readConventionsAt(b.repoPath, b.baseSha),
    fs.readFile(path.join(b.dir, 'research.md'), 'utf8').catch(() => undefined),
  ]);
  const parsed = parseTaskFile({ path: b.sourcePath, text: taskFile });
  const task = parsed.ok ? parsed.task : undefined;
  const paths = [...new Set([...(task?.files ?? []), ...(task?.changes ?? []).map((c) => c.path)])].filter(
    (f) => f !== b.sourcePath && !f.startsWith('tasks/'),
  );
  const declared: DeclaredFile[] = await Promise.all(
    paths.map(async (p) => ({ path: p, text: await fileAt(git, b.baseSha, p) })),
  );
  const own = !!task?.tests;
  const selection =
    own || !paths.length
      ? undefined
      : await b
          .worktree()
          .then((wt) => selectTaskTests(wt, b.testCommand, paths))
          .catch(() => undefined);
  const previous = await previousAttempt(b);
  return {
    taskId: b.taskId,
    taskFile,
    ...(research ? { research } : {}),
    ...(task?.category ? { category: task.category } : {}),
    declared,
    tests: {
      command: b.testCommand,
      own,
      ...(selection ? { selection: `${selection.selection} (\`${selection.command}\`)` } : {}),
    },
    conventions,
    maxChangedLines: MAX_CHANGED_LINES_PER_FILE * Math.max(1, paths.length),
    maxTurns: b.maxTurns,
    ...(previous ? { previous } : {}),
  };
}
