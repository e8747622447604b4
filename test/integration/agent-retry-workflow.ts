// A one-activity workflow for test/integration/agent-retry.test.ts: runAgent under Flotilla's real retry policy.
import { proxyActivities } from '@temporalio/workflow';
import type { AgentActivities } from '../../activities';
import type { AgentOutcome } from '../../core/types';
import { agentOptions } from '../../workflows/activity-proxies';

const { runAgent } = proxyActivities<AgentActivities>(agentOptions);

export async function agentOnce(input: Parameters<AgentActivities['runAgent']>[0]): Promise<AgentOutcome> {
  return runAgent(input);
}
