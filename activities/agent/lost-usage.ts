import type { TaskRef, TokenUsage } from '../../core/types';
import { taskDir } from '../run-paths';
import { ledgerKey, SpentLedger, spentByTaskRun } from './spent-ledger';

export const lostUsageActivities = {
  /**
   * What the agent of one task workflow spent and nobody was told (from the per-turn ledger): one attempt
   * whose every try failed, or, without `attempt`, every attempt of a task cancelled while it ran.
   */
  async lostAgentUsage(a: TaskRef & { workflowRunId: string; attempt?: number }): Promise<TokenUsage> {
    const dir = taskDir(a.repoPath, a.runId, a.taskId);
    return a.attempt === undefined ? spentByTaskRun(dir, a.workflowRunId) : new SpentLedger(dir, ledgerKey(a.workflowRunId, a.attempt), 1).all();
  },
};
