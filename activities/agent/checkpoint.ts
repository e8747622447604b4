import type Anthropic from '@anthropic-ai/sdk';
import type { AgentTurn } from '../../core/types';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { runGit } from '../git/git-process';
import { worktreeGitDir } from '../git/worktree-registration';

/**
 * An agent conversation's progress after its last complete turn: the messages so far, and the worktree's
 * files as a git tree object (in the repository's own object store). A retry of the agent activity (a
 * worker crash, a dropped connection, a 5xx) resumes here instead of at turn 1, so no model request that
 * was answered and acted on is sent again. The runAgent activity (runs recorded before durable turns) keeps one
 * file per task workflow attempt; the durable turns (agent-turns.ts) one per turn, each with the turn's result.
 * The last one also holds how the conversation ended: a task attempt whose agent finished but whose host then
 * died (its worktree with it) gets the same result on another host, from the tree, without a model call.
 */
export interface AgentCheckpoint {
  turn: number;
  messages: Anthropic.MessageParam[];
  lastText: string;
  edited: string[];
  /** The worktree's content after the turn's tool calls (`git write-tree` of everything in it). */
  tree: string;
  /** Set once the conversation is over: how it ended. A re-run of the same task attempt replays it, asking nothing. */
  final?: {
    outcome: 'ok' | 'max_turns' | 'refusal' | 'context_window' | 'over_budget';
    summary: string;
    turns: number;
  };
  /** A durable turn's checkpoint (one file per turn): what the turn returned, so a try that finds it answers the same, asking nothing. */
  result?: AgentTurn;
}

/**
 * Where a durable conversation starts (workflows/agent-turns.ts): written by startAgent, read by every later
 * turn on the host, so activity inputs stay small (the prompt, the feedback and the system prompt stay on disk).
 */
export interface ConversationStart {
  system: string;
  prompt: string;
  model: string;
  maxTurns: number;
  testCommand: string;
  tokenBudget?: number;
  baseSha: string;
  sourcePath: string;
  setupCommand?: string;
  /** The task names its own tests (the gate runs them as they are), and the files it declares: run_tests follows the gate with them. */
  ownTests?: boolean;
  declared?: string[];
}

export const conversationFile = (taskDir: string, key: string) => path.join(taskDir, `agent-${key}.json`);

/** The checkpoint of one turn of a durable conversation (its key: the task workflow's run and attempt). */
export const turnCheckpointFile = (taskDir: string, key: string, turn: number) =>
  path.join(taskDir, `checkpoint-${key}-turn-${turn}.json`);

/** The checkpoint of the furthest turn of a durable conversation, or null when none was saved. */
export async function latestTurnCheckpoint(taskDir: string, key: string): Promise<AgentCheckpoint | null> {
  const prefix = `checkpoint-${key}-turn-`;
  const turns = (await fs.readdir(taskDir).catch(() => [] as string[]))
    .filter((f) => f.startsWith(prefix) && f.endsWith('.json'))
    .map((f) => Number(f.slice(prefix.length, -'.json'.length)))
    .filter((n) => Number.isInteger(n) && n > 0)
    .sort((a, b) => b - a);
  for (const n of turns) {
    const cp = await loadCheckpoint(turnCheckpointFile(taskDir, key, n));
    if (cp?.result) return cp;
  }
  return null;
}

export async function loadConversation(file: string): Promise<ConversationStart | null> {
  try {
    const c = JSON.parse(await fs.readFile(file, 'utf8')) as ConversationStart;
    return typeof c.system === 'string' && typeof c.prompt === 'string' && typeof c.baseSha === 'string' ? c : null;
  } catch {
    return null;
  }
}

export const checkpointFile = (taskDir: string, key: string) => path.join(taskDir, `checkpoint-${key}.json`);

export async function loadCheckpoint(file: string): Promise<AgentCheckpoint | null> {
  try {
    const cp = JSON.parse(await fs.readFile(file, 'utf8')) as AgentCheckpoint;
    return cp.turn > 0 && Array.isArray(cp.messages) && /^[0-9a-f]{40,64}$/.test(cp.tree) ? cp : null;
  } catch {
    return null;
  }
}

/** Written to a temporary file and renamed, so a crash mid-write never leaves half a checkpoint. */
export async function saveCheckpoint(file: string, cp: AgentCheckpoint | ConversationStart): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  await fs.writeFile(tmp, JSON.stringify(cp));
  await fs.rename(tmp, file);
}

/**
 * The worktree's files (tracked and new, as git sees them) as a tree object; the worktree's own index is
 * untouched. The index it uses lives in the worktree's git folder and is kept between turns, so git's stat
 * cache spares re-reading unchanged files; the first one is a copy of the worktree's own index (at HEAD, with
 * the stat cache of its checkout), not `read-tree HEAD`, whose index has none and made git hash the whole
 * checkout. It goes with the worktree.
 */
export async function snapshotTree(worktree: string): Promise<string> {
  const gitDir =
    (await worktreeGitDir(worktree)) ??
    (await runGit(worktree, ['rev-parse', '--path-format=absolute', '--git-dir'], { strict: true })).trim();
  const index = path.join(gitDir, 'flotilla-checkpoint.index');
  // A lock left by a snapshot whose git was killed (the worker's machine went down mid-turn) would fail every snapshot
  // after it, and so every retry of the turn: the worktree is one activity's at a time, so a lock found here is stale.
  await fs.rm(`${index}.lock`, { force: true });
  // strict: a snapshot from a git that failed silently would restore a worktree without some of its edits.
  const git = (args: string[]) => runGit(worktree, args, { env: { GIT_INDEX_FILE: index }, strict: true });
  if (
    !(await fs.stat(index).then(
      () => true,
      () => false,
    ))
  ) {
    await fs.copyFile(path.join(gitDir, 'index'), index).catch(() => git(['read-tree', 'HEAD']));
  }
  // Everything git would see (a node_modules link worktrees.ts made, when not ignored, is kept as a link).
  await git(['add', '-A']);
  return (await git(['write-tree'])).trim();
}

/**
 * Whether the worktree is exactly as a checkpoint left it: at its base commit, its files the checkpoint's tree.
 * False when it cannot tell (a broken worktree): the caller restores it.
 */
export async function worktreeIs(worktree: string, baseSha: string, tree: string): Promise<boolean> {
  try {
    const head = (await runGit(worktree, ['rev-parse', 'HEAD'], { strict: true })).trim();
    return head === baseSha && (await snapshotTree(worktree)) === tree;
  } catch {
    return false;
  }
}

/** Puts a fresh worktree (at its base commit) into the state of `tree`; its index stays at the base, as the agent left it. */
export async function restoreTree(worktree: string, tree: string): Promise<void> {
  await runGit(worktree, ['read-tree', '-u', '--reset', tree], { strict: true });
  await runGit(worktree, ['reset', '-q'], { strict: true });
}
