import type { TaskRef, TokenUsage } from '../../core/types';
import { taskDir } from '../run-paths';
import { spentByAttempt, spentByTaskRun, unreported } from './spent-ledger';

export const lostUsageActivities = {
  /**
   * What the agent of one task workflow spent and nobody was told (from the per-turn ledger): one attempt
   * whose activities failed (beyond `reported`, what their results already brought the workflow), or, without
   * `attempt`, every attempt of a task cancelled while it ran.
   */
  async lostAgentUsage(
    a: TaskRef & { workflowRunId: string; attempt?: number; reported?: TokenUsage },
  ): Promise<TokenUsage> {
    const dir = taskDir(a.repoPath, a.runId, a.taskId);
    if (a.attempt === undefined) return spentByTaskRun(dir, a.workflowRunId);
    const spent = spentByAttempt(dir, a.workflowRunId, a.attempt);
    return a.reported ? unreported(spent, a.reported) : spent;
  },
};
