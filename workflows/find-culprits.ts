import { ApplicationFailure } from '@temporalio/workflow';
import type { TestEvidence } from '../core/types';
import type { PlannedTask } from '../planner/types';
import { mainActivities, testActivities } from './activity-proxies';
import type { RunContext, TaskOutcome } from './types';


export interface Change {
  task: PlannedTask;
  outcome: TaskOutcome;
}

export interface CulpritSearch {
  kept: Array<Change & { commit: string }>;
  dropped: Array<Change & { evidence: TestEvidence }>;
  tip: string;
  suite: TestEvidence;
}

/**
 * Layer validation failed: the batch's changes pass alone but break the suite together. Bisects over the
 * changes (in the order they reached the branch) for the first one whose addition turns the suite red,
 * drops it, and goes on with the rest, so innocent changes keep their place. About log2(n) suite runs
 * per culprit. Leaves the run branch at the kept changes, with the suite green on them.
 */
export async function findCulprits(ctx: RunContext, batchId: string, startTip: string, changes: Change[], failed: TestEvidence): Promise<CulpritSearch> {
  const git = mainActivities();
  const testing = testActivities();
  let probes = 0;
  const apply = async (list: Change[]): Promise<{ tip: string; commits: string[] }> => {
    await git.resetRunBranch({ runId: ctx.runId, repoPath: ctx.repoPath, sha: startTip });
    let tip = startTip;
    const commits: string[] = [];
    for (const c of list) {
      const r = await git.integrateCommit({ runId: ctx.runId, repoPath: ctx.repoPath, taskId: c.task.id, commit: c.outcome.commit! });
      if (!r.ok) throw ApplicationFailure.nonRetryable(`${c.task.id} no longer applies while searching for the culprit: ${r.reason}`, 'CulpritSearchError');
      tip = r.tip;
      commits.push(r.commit);
    }
    return { tip, commits };
  };
  const suiteOn = (list: Change[]) =>
    apply(list).then(() =>
      testing.runBranchTests({ runId: ctx.runId, repoPath: ctx.repoPath, command: ctx.testCommand, baseline: ctx.baseline, label: `batch-${batchId}-probe-${++probes}`, flakyReruns: ctx.settings.flakyReruns }),
    );

  const kept: Change[] = [];
  const dropped: CulpritSearch['dropped'] = [];
  let rest = changes;
  let red: TestEvidence | null = failed; // the suite on kept + rest, when known to be red
  let green: TestEvidence | null = null;
  while (rest.length) {
    const all = red ?? (await suiteOn([...kept, ...rest]));
    if (all.passed) {
      kept.push(...rest);
      green = all;
      break;
    }
    // kept + rest[0..hi) is red; find the smallest such hi.
    let lo = 1;
    let hi = rest.length;
    let evidence = all;
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2);
      const probe = await suiteOn([...kept, ...rest.slice(0, mid)]);
      if (probe.passed) lo = mid + 1;
      else {
        hi = mid;
        evidence = probe;
      }
    }
    kept.push(...rest.slice(0, hi - 1));
    dropped.push({ ...rest[hi - 1], evidence });
    rest = rest.slice(hi);
    red = null;
  }
  const { tip, commits } = await apply(kept);
  const suite = green ?? (await testing.runBranchTests({ runId: ctx.runId, repoPath: ctx.repoPath, command: ctx.testCommand, baseline: ctx.baseline, label: `batch-${batchId}-final`, flakyReruns: ctx.settings.flakyReruns }));
  return { kept: kept.map((c, i) => ({ ...c, commit: commits[i] })), dropped, tip, suite };
}
