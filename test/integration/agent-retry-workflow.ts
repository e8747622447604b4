// The workflow of test/integration/agent-retry.test.ts: the agent under Flotilla's real retry policy, as durable
// turns (workflows/task/agent-turns.ts, the loop in the workflow, each model turn an activity), on the test's one queue.
import { ActivityFailure, ApplicationFailure, proxyActivities } from '@temporalio/workflow';
import type { AgentActivities, MainActivities } from '../../activities';
import type { AgentOutcome } from '../../core/types';
import { noUsage } from '../../core/usage';
import { agentOptions, mainOptions } from '../../workflows/activity-proxies';
import type { AgentTaskInput } from '../../activities/agent/agent-turns';
import { agentTurns } from '../../workflows/task/agent-turns';

const agents = proxyActivities<AgentActivities>(agentOptions);
const ledger = proxyActivities<Pick<MainActivities, 'lostAgentUsage'>>(mainOptions);

/** The durable turns, with their bill: what the conversation reported, plus what failed turns paid for. */
export async function agentTurnsOnce(input: AgentTaskInput): Promise<AgentOutcome> {
  const bill = noUsage();
  try {
    const outcome = await agentTurns(input, {
      shared: agents,
      turns: () => agents,
      ledger,
      onHost: (step) => step(),
      useHost: () => undefined,
      spent: noUsage(),
      bill,
      show: () => undefined,
    });
    return { ...outcome, usage: bill };
  } catch (err) {
    const cause = err instanceof ActivityFailure ? err.cause : err;
    const type =
      cause instanceof ApplicationFailure ? `${cause.type}${cause.nonRetryable ? ' (non-retryable)' : ''}` : 'error';
    return {
      ok: false,
      summary: '',
      edited: [],
      turns: 0,
      usage: bill,
      transcriptPath: '',
      reason: `${type}: ${(cause as Error).message}`,
    };
  }
}
