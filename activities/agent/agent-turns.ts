import type Anthropic from '@anthropic-ai/sdk';
import { ApplicationFailure } from '@temporalio/activity';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type { TaskHost } from '../../core/task-queues';
import type { AgentStart, AgentTurn, AgentTurnOutcome, TaskRef, TokenUsage } from '../../core/types';
import { addUsage, noUsage } from '../../core/usage';
import { crashPoint } from '../crash-point';
import { freshWorktree } from '../git/worktrees';
import { heartbeatSafe } from '../heartbeat';
import { activityTry, cancellationSignal } from '../activity-context';
import { type ModelAccess, modelClient } from '../model-client';
import { redact, registerSecret } from '../redact';
import { baselineResultsFile, integrationWorktree, runDir, taskDir, taskWorktree } from '../run-paths';
import {
  baseDiagnosticsFile,
  CHECK_TOOL,
  diagnosticsAfterEdit,
  makeCheckTool,
  saveBaseDiagnostics,
} from './check/check-tool';
import { inRunSandbox } from '../sandbox';
import { prepareEnvironment } from '../test-runs/dependencies';
import { type AgentLoopResult, type AgentTool, runTurn, toolbox, totalTokens } from './agent-loop';
import {
  type AgentCheckpoint,
  type ConversationStart,
  conversationFile,
  latestTurnCheckpoint,
  loadCheckpoint,
  loadConversation,
  restoreTree,
  saveCheckpoint,
  snapshotTree,
  turnCheckpointFile,
  worktreeIs,
} from './checkpoint';
import { classifyApiError, isPromptTooLong } from './classify-api-error';
import { EDITOR_TOOL, WorktreeEditor } from './editor-tool';
import { makeRunTestsTool, RUN_TESTS_TOOL, type RunTestsToolOptions } from './run-tests-tool';
import { agentSystemPrompt, cannotReason } from './prompt/agent-system-prompt';
import { firstMessage } from './prompt/first-message';
import { gatherTheWork } from './prompt/task-brief';
import { readSavedBaseline } from '../test-runs/run-with-report';
import { runSearch, SEARCH_TOOL } from './search-tool';
import { activityLedgerKey, ledgerKey, SpentLedger } from './spent-ledger';

/** What the agent activities need: where worktrees go, the model, this worker's host queue, and whether its agents queue has --agent-rpm. */
export interface AgentDeps {
  worktreeRoot: string;
  modelAccess: ModelAccess;
  host?: TaskHost;
  /** The worker was given --agent-rpm: later turns take a permit from the shared agents queue first. */
  rateLimited?: boolean;
}

/** What the coding agent is asked to do: one task attempt's conversation (startAgent's and runAgent's input). */
export type AgentTaskInput = TaskRef & {
  baseSha: string;
  sourcePath: string;
  model: string;
  maxTurns: number;
  testCommand: string;
  attempt: number;
  /** Why the previous attempt was refused: the end of its test output, or the review's comments. */
  feedback?: string;
  feedbackFrom?: 'tests' | 'review';
  /** The tests the previous attempt made fail, and the gate's verdict in a sentence (its failure blocks are read from its log). */
  failingTests?: string[];
  testVerdict?: string;
  tokenBudget?: number;
  setupCommand?: string;
};

/** A later turn: which task attempt's conversation, which turn, and what the conversation has cost so far (for the token budget and `flotilla watch`). */
export type AgentTurnInput = TaskRef & { attempt: number; turn: number; spent: TokenUsage };

/** Why an agent run is not a change to test, or undefined when it is. */
export function agentFailure(
  outcome: AgentLoopResult['outcome'],
  summary: string,
  maxTurns: number,
  edited: string[],
  tokenBudget?: number,
): string | undefined {
  const cannot = outcome === 'ok' ? cannotReason(summary) : undefined;
  if (cannot) return `the agent could not do the task: ${cannot}`;
  if (outcome === 'over_budget')
    return `budget exceeded: the task used more than --max-tokens-per-task ${tokenBudget} tokens; its edits were discarded`;
  if (outcome === 'max_turns')
    return `the agent did not finish within its limit of ${maxTurns} turn${maxTurns === 1 ? '' : 's'}; raise --max-turns or split the task`;
  if (outcome === 'refusal') return `the model refused: ${summary}`;
  if (outcome === 'context_window')
    return `the conversation outgrew the model's context window (the API refused it as too long, or it would not fit even with old tool results trimmed); split the task`;
  if (edited.length === 0) return `the agent made no change${summary ? `: ${summary.slice(0, 300)}` : ''}`;
  return undefined;
}

/** The agent's tools besides the editor: read-only search and the task's own tests, both confined to the worktree. */
export function agentTools(
  worktree: string,
  testCommand: string,
  logPath: (n: number) => string,
  tests: Pick<RunTestsToolOptions, 'ownTests' | 'edited' | 'baseline'> = {},
): AgentTool[] {
  const runTests = makeRunTestsTool({
    command: testCommand,
    cwd: worktree,
    logPath,
    onTick: () => heartbeatSafe({ tests: true }),
    ...tests,
  });
  return [
    { definition: SEARCH_TOOL, run: (input) => runSearch(worktree, input) },
    { definition: RUN_TESTS_TOOL, run: (input) => runTests(input) },
  ];
}

const exists = (p: string) =>
  fs.stat(p).then(
    () => true,
    () => false,
  );

/** The most tool notes a turn reports, and how long each may be: the turn's result goes into history. */
const MAX_NOTES = 12;

/**
 * The durable agent (workflows/agent-turns.ts runs the loop): startAgent makes the worktree and runs turn 1 on
 * the shared agents queue; agentTurn runs each later turn on the host that holds the worktree; modelPermit is
 * the shared queue's token for a later turn when the workers have --agent-rpm. Each turn is one model request
 * and its tool calls, checkpointed on disk (the conversation, and the worktree as a git tree): activity inputs
 * and results stay small, and a turn answered once is never asked again.
 */
export function makeAgentTurnActivities(deps: AgentDeps) {
  registerSecret(deps.modelAccess.apiKey);
  const worktreeOf = (t: TaskRef) => taskWorktree(deps.worktreeRoot, t.runId, t.taskId);
  const sharedDeps = (t: TaskRef) => path.join(integrationWorktree(deps.worktreeRoot, t.runId), 'node_modules');

  return {
    /**
     * A task attempt's agent: a fresh worktree at `baseSha` (and --setup-cmd), the conversation's start written
     * to the task's folder, then turn 1. Reports the host that holds the worktree (its later turns and steps go
     * there) and whether this worker rate-limits model requests. When this task attempt's conversation already
     * got further (its host stopped, or this activity's last try died after its turn), the worktree is restored
     * from the last checkpoint and that turn is returned again, asking nothing.
     */
    async startAgent(a: AgentTaskInput): Promise<AgentStart> {
      return inRunSandbox(a, deps.worktreeRoot, () => start(a));
    },
    /** A later turn of the conversation, on the host that holds the worktree: one model request and its tool calls. */
    async agentTurn(a: AgentTurnInput): Promise<AgentTurn> {
      return inRunSandbox(a, deps.worktreeRoot, () => laterTurn(a));
    },
    /**
     * Nothing: its dispatch is the point. On the shared agents queue, whose server-side rate is --agent-rpm / 60 per
     * second, each later turn takes one, so that queue dispatches one activity per model request (startAgent is turn 1).
     */
    async modelPermit(): Promise<void> {},
  };

  /**
   * Where a task attempt's conversation lives (its checkpoints are keyed by the workflow run and the attempt),
   * its worktree and transcript, and this activity's spend ledger with what its earlier tries paid for.
   */
  function conversationOf(a: TaskRef & { attempt: number }) {
    const tried = activityTry();
    const dir = taskDir(a.repoPath, a.runId, a.taskId);
    const ledger = new SpentLedger(
      dir,
      activityLedgerKey(tried.workflowRunId, a.attempt, tried.activityId),
      tried.attempt,
    );
    return {
      tried,
      key: ledgerKey(tried.workflowRunId, a.attempt),
      dir,
      worktree: worktreeOf(a),
      transcriptPath: path.join(dir, `transcript-${a.attempt}.json`),
      ledger,
      earlier: ledger.earlier(),
    };
  }

  async function start(a: AgentTaskInput): Promise<AgentStart> {
    const { tried, key, dir, worktree, transcriptPath, ledger, earlier } = conversationOf(a);
    // The worktree (and --setup-cmd) is prepared while the first request is in flight: the request needs only the
    // task file and the repository's conventions, both read from the base commit. The tools wait for it.
    const prepared = (async () => {
      await freshWorktree(a.repoPath, worktree, a.baseSha, sharedDeps(a));
      if (a.setupCommand) await prepareEnvironment({ cwd: worktree, logDir: dir, setupCommand: a.setupCommand });
      // The base's own diagnostics, once per base commit, before any edit: the check tool and the gate show only new ones.
      await saveBaseDiagnostics(worktree, baseDiagnosticsFile(runDir(a.repoPath, a.runId), a.baseSha), dir).catch(
        () => undefined,
      );
    })();
    const settled = () =>
      prepared.then(
        () => undefined,
        () => undefined,
      );
    void settled(); // awaited below; never an unhandled rejection
    const base = { ...(deps.host ? { host: deps.host } : {}), rateLimited: !!deps.rateLimited, transcriptPath };
    try {
      // This task attempt's conversation got further already: go on from its last turn, on this host.
      const last = await latestTurnCheckpoint(dir, key);
      if (last?.result) {
        await prepared;
        if (
          await restoreTree(worktree, last.tree).then(
            () => true,
            () => false,
          )
        )
          return { ...base, turn: { ...last.result, usage: earlier, replayed: true } };
        // Its tree cannot be restored: the conversation starts again, and its old turns must not be taken for the new ones.
        await freshWorktree(a.repoPath, worktree, a.baseSha, sharedDeps(a));
        for (let n = last.turn; n > 0; n--) await fs.rm(turnCheckpointFile(dir, key, n), { force: true });
      }
      const turn = await firstTurn(a, {
        key,
        dir,
        worktree,
        transcriptPath,
        ledger,
        earlier,
        prepared,
        workflowRunId: tried.workflowRunId,
      });
      return { ...base, turn };
    } finally {
      // A failed try leaves no git command of its own running under its retry.
      await settled();
    }
  }

  /** Turn 1: the conversation's start, written to the task's folder, then the first request. */
  async function firstTurn(
    a: AgentTaskInput,
    p: {
      key: string;
      dir: string;
      worktree: string;
      transcriptPath: string;
      ledger: SpentLedger;
      earlier: TokenUsage;
      prepared: Promise<void>;
      workflowRunId: string;
    },
  ): Promise<AgentTurn> {
    // The work goes in the first message; the system prompt is the same bytes for every task (one cache entry for the run).
    const work = await gatherTheWork({
      ...a,
      dir: p.dir,
      workflowRunId: p.workflowRunId,
      worktree: () => p.prepared.then(() => p.worktree),
    });
    const conversation: ConversationStart = {
      system: agentSystemPrompt(),
      prompt: firstMessage(work),
      ownTests: work.tests.own,
      declared: work.declared.map((f) => f.path),
      model: a.model,
      maxTurns: a.maxTurns,
      testCommand: a.testCommand,
      baseSha: a.baseSha,
      sourcePath: a.sourcePath,
      ...(a.tokenBudget !== undefined ? { tokenBudget: a.tokenBudget } : {}),
      ...(a.setupCommand ? { setupCommand: a.setupCommand } : {}),
    };
    await saveCheckpoint(conversationFile(p.dir, p.key), conversation);
    return play({
      ...p,
      ref: a,
      attempt: a.attempt,
      conversation,
      turn: 1,
      messages: [{ role: 'user', content: conversation.prompt }],
      lastText: '',
      edited: [],
      spent: noUsage(),
      ready: p.prepared,
    });
  }

  async function laterTurn(a: AgentTurnInput): Promise<AgentTurn> {
    const { key, dir, worktree, transcriptPath, ledger, earlier } = conversationOf(a);
    const conversation = await loadConversation(conversationFile(dir, key));
    if (!conversation) throw lost(a, `its start (${conversationFile(dir, key)})`);
    /**
     * The worktree as a checkpoint left it, unless it is exactly that: whatever the try (a try that died may have
     * applied part of the turn, and the turn may come again as a new activity, try 1, after waiting on its host), or gone.
     */
    const restoreIfNeeded = async (cp: AgentCheckpoint) => {
      const missing = !(await exists(path.join(worktree, '.git')));
      if (!missing && (await worktreeIs(worktree, conversation.baseSha, cp.tree))) return;
      await freshWorktree(a.repoPath, worktree, conversation.baseSha, sharedDeps(a));
      if (missing && conversation.setupCommand)
        await prepareEnvironment({ cwd: worktree, logDir: dir, setupCommand: conversation.setupCommand });
      await restoreTree(worktree, cp.tree);
    };
    // Answered already: an earlier try ran this turn and saved it, but its completion never reached the server.
    const done = await loadCheckpoint(turnCheckpointFile(dir, key, a.turn));
    if (done?.result) {
      await restoreIfNeeded(done);
      return { ...done.result, usage: earlier, replayed: true };
    }
    const before = await loadCheckpoint(turnCheckpointFile(dir, key, a.turn - 1));
    if (!before) throw lost(a, `the checkpoint of turn ${a.turn - 1}`);
    await restoreIfNeeded(before);
    return play({
      ref: a,
      attempt: a.attempt,
      key,
      dir,
      worktree,
      conversation,
      turn: a.turn,
      messages: before.messages,
      lastText: before.lastText,
      edited: before.edited,
      tree: before.tree,
      spent: a.spent,
      earlier,
      ledger,
      transcriptPath,
    });
  }

  /** A conversation whose files are gone cannot go on: the task attempt fails (with what is missing). */
  function lost(a: AgentTurnInput, what: string): ApplicationFailure {
    return ApplicationFailure.nonRetryable(
      `the agent of ${a.taskId} (attempt ${a.attempt}) cannot go on to turn ${a.turn}: ${what} is not in ${taskDir(a.repoPath, a.runId, a.taskId)}`,
      'AgentStateLost',
    );
  }

  /** One turn: the model request, its tool calls, the transcript and the turn's checkpoint. */
  async function play(p: {
    ref: TaskRef;
    attempt: number;
    key: string;
    dir: string;
    worktree: string;
    conversation: ConversationStart;
    turn: number;
    messages: Anthropic.MessageParam[];
    lastText: string;
    edited: string[];
    /** The worktree as the previous turn left it (a git tree), if there was one: a turn whose tools write nothing keeps it. */
    tree?: string;
    /** What the conversation's earlier turns cost, as the workflow counted them. */
    spent: TokenUsage;
    /** What earlier tries of this activity paid for. */
    earlier: TokenUsage;
    ledger: SpentLedger;
    transcriptPath: string;
    /** The worktree, when it is still being prepared (turn 1): the tools wait for it. */
    ready?: Promise<void>;
  }): Promise<AgentTurn> {
    const c = p.conversation;
    const client = modelClient(deps.modelAccess);
    // Made once the worktree is there (the first tool call, or the end of the turn).
    let made: WorktreeEditor | undefined;
    const editorOf = () => {
      if (made) return made;
      made = new WorktreeEditor(p.worktree);
      for (const f of p.edited) made.edited.add(f);
      return made;
    };
    // Whether a tool may have changed the worktree: an edit (anything but a view), or the tests (they may write files).
    let wrote = false;
    // run_tests runs what the gate will run: the task's own tests, or those related to the files edited so far (the declared ones before any edit).
    const testsOptions = {
      ownTests: !!c.ownTests,
      edited: () => {
        const edited = [...editorOf().edited].filter((f) => f !== c.sourcePath);
        return edited.length ? edited : (c.declared ?? []);
      },
      baseline: () => readSavedBaseline(baselineResultsFile(p.ref.repoPath, p.ref.runId)),
    };
    const baseFile = baseDiagnosticsFile(runDir(p.ref.repoPath, p.ref.runId), c.baseSha);
    const checkTool = makeCheckTool({ cwd: p.worktree, edited: testsOptions.edited, baseFile, logDir: p.dir });
    const more = [
      ...agentTools(
        p.worktree,
        c.testCommand,
        (n) => path.join(p.dir, `agent-tests-${p.attempt}-t${p.turn}-${n}.log`),
        testsOptions,
      ),
      { definition: CHECK_TOOL, run: () => checkTool() },
    ];
    const { tools, definitions } = toolbox(editorOf, more);
    let edits = 0;
    for (const [name, tool] of [...tools]) {
      if (name === SEARCH_TOOL.name || name === CHECK_TOOL.name) continue;
      const run = async (input: Record<string, unknown>) => {
        if (name !== EDITOR_TOOL.name || input.command !== 'view') wrote = true;
        const outcome = await tool.run(input);
        // An edit's result carries the new diagnostics of the file it edited (the same check the gate runs).
        if (name !== EDITOR_TOOL.name || input.command === 'view' || outcome.isError || typeof input.path !== 'string')
          return outcome;
        const file = editorOf().resolve(input.path);
        if ('error' in file) return outcome;
        const found = await diagnosticsAfterEdit({
          cwd: p.worktree,
          file: file.rel,
          baseFile,
          logDir: p.dir,
          label: `edit-${p.attempt}-t${p.turn}-${++edits}`,
        }).catch(() => '');
        return found ? { ...outcome, content: `${outcome.content}${found}` } : outcome;
      };
      tools.set(name, { ...tool, run });
    }
    const costOf = (...us: TokenUsage[]) => us.reduce((sum, u) => sum + (u.costUsd ?? 0), 0);
    // The attempt's cost so far is for `flotilla watch` (heartbeat details live on the pending activity, not in history).
    heartbeatSafe({ turn: p.turn, ...(p.spent.costUsd !== undefined ? { costUsd: costOf(p.spent, p.earlier) } : {}) });
    const spentTokens = totalTokens(p.spent) + totalTokens(p.earlier);
    let step;
    try {
      step = await runTurn(
        {
          client,
          model: c.model,
          system: c.system,
          maxTokens: 8192,
          tools,
          definitions,
          signal: cancellationSignal(),
          ...(p.ready ? { ready: p.ready } : {}),
          ...(c.tokenBudget !== undefined ? { tokensLeft: Math.max(0, c.tokenBudget - spentTokens) } : {}),
          onAnswered: (u) => {
            p.ledger.record(u);
            heartbeatSafe({
              turn: p.turn,
              ...(u.costUsd !== undefined ? { costUsd: costOf(p.spent, p.earlier, u) } : {}),
            });
          },
        },
        p.messages,
        p.lastText,
      );
    } catch (err) {
      // A prompt longer than the window ends this task attempt with its reason (the task is skipped), never the run.
      if (!isPromptTooLong(err)) throw classifyApiError(err, c.model, deps.modelAccess.baseURL);
      step = { outcome: 'context_window' as const, text: p.lastText, usage: noUsage(), calls: [] };
    } finally {
      await fs.mkdir(p.dir, { recursive: true });
      await fs.writeFile(p.transcriptPath, redact(JSON.stringify(p.messages, null, 2)));
    }
    const editor = editorOf();
    const ended: AgentTurnOutcome | undefined =
      step.outcome !== 'continue' ? step.outcome : p.turn >= c.maxTurns ? 'max_turns' : undefined;
    const edited = [...editor.edited].filter((f) => f !== c.sourcePath).sort();
    const notes = step.calls.slice(0, MAX_NOTES).map((n) => n.slice(0, 100));
    if (step.calls.length > MAX_NOTES) notes.push(`… ${step.calls.length - MAX_NOTES} more`);
    let result: AgentTurn = { turn: p.turn, outcome: ended ?? 'continue', tools: notes, edited, usage: step.usage };
    if (ended) {
      const reason = agentFailure(ended, step.text, c.maxTurns, edited, c.tokenBudget);
      result = { ...result, final: { ok: !reason, summary: step.text, ...(reason ? { reason } : {}) } };
    }
    if (wrote && p.turn > 1) crashPoint('agent-turn.after-edits-before-checkpoint');
    // The next turn starts from this checkpoint, so it must be saved: if it cannot be, this try fails and its retry asks again.
    const tree = p.tree && !wrote ? p.tree : await snapshotTree(p.worktree);
    await saveCheckpoint(turnCheckpointFile(p.dir, p.key, p.turn), {
      turn: p.turn,
      messages: p.messages,
      lastText: step.text,
      edited: [...editor.edited],
      tree,
      result,
      ...(ended ? { final: { outcome: ended, summary: step.text, turns: p.turn } } : {}),
    });
    // Only the last two turns' checkpoints are kept (each holds the whole conversation).
    if (p.turn > 2) await fs.rm(turnCheckpointFile(p.dir, p.key, p.turn - 2), { force: true });
    const usage = { ...p.earlier };
    addUsage(usage, step.usage);
    return { ...result, usage };
  }
}
