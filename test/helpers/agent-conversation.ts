import type { Logger } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
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

/** A mock activity context of workflow wf-<runId> (its run: run-<runId>); `attempt` is Temporal's retry count. */
export function activityEnv(runId: string, activityId: string, logger: Logger, attempt = 1): MockActivityEnvironment {
  return new MockActivityEnvironment(
    { activityId, attempt, workflowExecution: { workflowId: `wf-${runId}`, runId: `run-${runId}` } },
    { logger },
  );
}

/** The input of a task's first attempt with Haiku, as the task workflow gives it to startAgent (its source in tasks/). */
export function agentInput(
  runId: string,
  repoPath: string,
  taskId: string,
  baseSha: string,
  maxTurns: number,
  testCommand: string,
): AgentTaskInput {
  return {
    runId,
    repoPath,
    taskId,
    baseSha,
    sourcePath: `tasks/${taskId}.md`,
    model: 'claude-haiku-4-5',
    maxTurns,
    testCommand,
    attempt: 1,
  };
}

/**
 * Every turn of a task attempt's conversation: startAgent, then agentTurn (given the previous turn's usage) until a
 * turn is final, each in a fresh context from `env`.
 */
export async function agentTurns(
  env: () => MockActivityEnvironment,
  acts: Pick<AgentActivities, 'startAgent' | 'agentTurn'>,
  input: AgentTaskInput,
): Promise<AgentTurn[]> {
  const turns: AgentTurn[] = [((await env().run(acts.startAgent, input)) as AgentStart).turn];
  while (!turns[turns.length - 1].final)
    turns.push(
      (await env().run(acts.agentTurn, {
        runId: input.runId,
        repoPath: input.repoPath,
        taskId: input.taskId,
        attempt: input.attempt,
        turn: turns.length + 1,
        spent: turns[turns.length - 1].usage,
      })) as AgentTurn,
    );
  return turns;
}
