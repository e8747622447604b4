// A one-activity workflow for test/integration/agent-retry.test.ts: runAgent under Flotilla's real retry policy.
import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../../activities';
import type { AgentOutcome } from '../../activities/types';
import { agentOptions } from '../../workflows/activity-options';

const { runAgent } = proxyActivities<Activities>(agentOptions);

export async function agentOnce(input: Parameters<Activities['runAgent']>[0]): Promise<AgentOutcome> {
  return runAgent(input);
}
