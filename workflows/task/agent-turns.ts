import { type ActivityInterfaceFor, isCancellation, workflowInfo } from '@temporalio/workflow';
import type { AgentActivities, MainActivities } from '../../activities';
import type { AgentTaskInput } from '../../activities/agent/agent-turns';
import type { AgentOutcome, AgentTurn, TokenUsage } from '../../core/types';
import type { TaskHost } from '../../core/task-queues';
import { cutBytes } from '../../core/search-attributes';
import { addUsage, noUsage } from '../../core/usage';

/** The queues and helpers of the task workflow that the agent's turns use. */
export interface AgentTurnsDeps {
  /** The shared agents queue: startAgent (turn 1) and, with --agent-rpm, a modelPermit before each later turn. */
  shared: ActivityInterfaceFor<Pick<AgentActivities, 'startAgent' | 'modelPermit'>>;
  /** The agents queue of the host that holds the worktree (the shared one for a worker without a host queue). */
  turns: (host: TaskHost | undefined) => ActivityInterfaceFor<Pick<AgentActivities, 'agentTurn'>>;
  /** The run's queue: the spend ledger, for what failed turns paid for. */
  ledger: ActivityInterfaceFor<Pick<MainActivities, 'lostAgentUsage'>>;
  /** Runs a step on the host's queue (task.ts: a step that waits there too long on a host that is gone throws HostLost). */
  onHost: <T>(step: () => Promise<T>) => Promise<T>;
  /** Told which host holds the worktree as soon as the first turn says so. */
  useHost: (host: TaskHost | undefined) => void;
  /** What this task attempt's conversation has cost so far (kept by the caller across restarts after a host loss): the token budget counts it. */
  spent: TokenUsage;
  /** The task's bill: every turn's usage is added as it comes, and what failed turns paid for when they fail. */
  bill: TokenUsage;
  /** Shows a line in the Web UI's current details of the task. */
  show: (what: string) => void;
}

const tokens = (u: TokenUsage) =>
  String(u.inputTokens + u.outputTokens + u.cacheWriteTokens + u.cacheReadTokens).replace(/\B(?=(\d{3})+(?!\d))/g, ',');

/** What a turn did, for the Web UI: its tool calls, the files edited so far, and the tokens. */
function turnDetails(t: AgentTurn, spent: TokenUsage): string {
  const calls = t.tools.length ? t.tools.join(', ') : t.final ? 'no tool call, done' : 'no tool call';
  const cost = spent.costUsd !== undefined ? ` ($${spent.costUsd.toFixed(4)})` : '';
  return `turn ${t.turn}${t.replayed ? ' (from its checkpoint)' : ''}: ${calls}; edited ${t.edited.join(', ') || 'nothing yet'}; ${tokens(t.usage)} tokens, ${tokens(spent)} so far${cost}`;
}

/**
 * The coding agent's loop, run by the task workflow (Temporal's shape for AI agents: the loop is the workflow,
 * each model turn an activity). startAgent, on the shared agents queue, makes the worktree and runs turn 1;
 * each later turn is an agentTurn on the agents queue of the host that holds the worktree, one model request
 * and its tool calls. With --agent-rpm, a modelPermit on the shared agents queue comes before each later turn,
 * so that queue's server-side rate limits model requests across all workers. Transcripts, tool results and
 * files stay on disk; history holds each turn's short result, and the Web UI its summary and details.
 * A turn that fails (every retry) or whose host stopped adds what it paid for to the bill (the spend ledger)
 * before the error goes on.
 */
export async function agentTurns(input: AgentTaskInput, d: AgentTurnsDeps): Promise<AgentOutcome> {
  const label = (turn: number) => `${input.taskId} attempt ${input.attempt}, turn ${turn} (${input.model})`;
  const count = (u: TokenUsage) => {
    addUsage(d.spent, u);
    addUsage(d.bill, u);
  };
  try {
    const start = await d.shared.startAgent.executeWithOptions(
      { summary: cutBytes(`${label(1)}: fresh worktree, first model request`) },
      [input],
    );
    d.useHost(start.host);
    let last = start.turn;
    count(last.usage);
    while (!last.final) {
      const turn = last.turn + 1;
      d.show(`agent turn ${turn} (${input.model}); ${turnDetails(last, d.spent)}`);
      if (start.rateLimited)
        await d.shared.modelPermit.executeWithOptions(
          { summary: cutBytes(`model request permit (--agent-rpm): ${label(turn)}`) },
          [],
        );
      const spent = { ...d.spent };
      last = await d.onHost(() =>
        d
          .turns(start.host)
          .agentTurn.executeWithOptions({ summary: cutBytes(label(turn)) }, [
            { runId: input.runId, repoPath: input.repoPath, taskId: input.taskId, attempt: input.attempt, turn, spent },
          ]),
      );
      count(last.usage);
    }
    d.show(`agent done after ${turnDetails(last, d.spent)}`);
    const { final } = last;
    return {
      ok: final.ok,
      summary: final.summary,
      edited: last.edited,
      turns: last.turn,
      usage: { ...d.spent },
      transcriptPath: start.transcriptPath,
      ...(start.turn.replayed && start.turn.final ? { replayed: true } : {}),
      ...(final.reason ? { reason: final.reason } : {}),
      ...(start.host ? { host: start.host } : {}),
    };
  } catch (err) {
    if (!isCancellation(err)) {
      // The turns the failed activities paid for (and no result reported) are still on the bill.
      const lost = await d.ledger
        .lostAgentUsage({
          runId: input.runId,
          repoPath: input.repoPath,
          taskId: input.taskId,
          workflowRunId: workflowInfo().runId,
          attempt: input.attempt,
          reported: { ...d.spent },
        })
        .catch(() => noUsage());
      count(lost);
    }
    throw err;
  }
}
