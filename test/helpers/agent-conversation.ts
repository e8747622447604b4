import type { MockActivityEnvironment } from '@temporalio/testing';
import type { AgentActivities } from '../../activities';
import type { AgentOutcome, AgentStart, AgentTurn } from '../../core/types';
import { addUsage, noUsage } from '../../core/usage';
import type { AgentTaskInput } from '../../activities/agent/agent-turns';

/**
 * A task attempt's whole conversation through the durable turns' activities, as the task workflow runs it
 * (workflows/task/agent-turns.ts, without a host): startAgent, then agentTurn until a turn ends it, each in `env`.
 */
export async function converse(
  env: MockActivityEnvironment,
  acts: Pick<AgentActivities, 'startAgent' | 'agentTurn'>,
  input: AgentTaskInput,
): Promise<AgentOutcome> {
  const start = (await env.run(acts.startAgent, input)) as AgentStart;
  const spent = noUsage();
  let last = start.turn;
  addUsage(spent, last.usage);
  while (!last.final) {
    last = (await env.run(acts.agentTurn, {
      runId: input.runId,
      repoPath: input.repoPath,
      taskId: input.taskId,
      attempt: input.attempt,
      turn: last.turn + 1,
      spent: { ...spent },
    })) as AgentTurn;
    addUsage(spent, last.usage);
  }
  const { final } = last;
  return {
    ok: final.ok,
    summary: final.summary,
    edited: last.edited,
    turns: last.turn,
    usage: spent,
    transcriptPath: start.transcriptPath,
    ...(start.turn.replayed && start.turn.final ? { replayed: true } : {}),
    ...(final.reason ? { reason: final.reason } : {}),
  };
}
