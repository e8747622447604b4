import { ApplicationFailure } from '@temporalio/workflow';
import type { TestEvidence } from '../core/types';
import type { PlannedTask } from '../planner/types';
import { mainActivities, testActivities } from './activity-proxies';
import type { RunContext, TaskOutcome } from './types';


export interface Change {
  task: PlannedTask;
  outcome: TaskOutcome;
}

export interface CulpritSearch<C = Change> {
  kept: Array<C & { commit: string }>;
  dropped: Array<C & { evidence: TestEvidence }>;
  tip: string;
  suite: TestEvidence;
}

/** The check that failed, when not the batch's full suite against the baseline (the e2e suite after a phase), and its logs' label. */
export interface CulpritCheck {
  command: string;
  baseline: RunContext['baseline'];
  comparedToBase?: false;
  label: string;
}

/**
 * Layer validation failed: the batch's changes pass alone but break the suite together. Bisects over the
 * changes (in the order they reached the branch) for the first one whose addition turns the suite red,
 * drops it, and goes on with the rest, so innocent changes keep their place. About log2(n) suite runs
 * per culprit. Leaves the run branch at the kept changes, with the suite green on them.
 */
export async function findCulprits<C extends { task: { id: string }; outcome: { commit?: string } } = Change>(
  ctx: RunContext,
  batchId: string,
  startTip: string,
  changes: C[],
  failed: TestEvidence,
  check: CulpritCheck = { command: ctx.testCommand, baseline: ctx.baseline, label: `batch-${batchId}` },
): Promise<CulpritSearch<C>> {
  const run = (name: string) => testActivities().runBranchTests({ runId: ctx.runId, repoPath: ctx.repoPath, command: check.command, baseline: check.baseline, label: `${check.label}-${name}`, flakyReruns: ctx.settings.flakyReruns, ...(check.comparedToBase === false ? { comparedToBase: false as const } : {}) });
  const git = mainActivities();
  let probes = 0;
  const apply = async (list: C[]): Promise<{ tip: string; commits: string[] }> => {
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
  const suiteOn = (list: C[]) => apply(list).then(() => run(`probe-${++probes}`));

  const kept: C[] = [];
  const dropped: CulpritSearch<C>['dropped'] = [];
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
  const suite = green ?? (await run('final'));
  return { kept: kept.map((c, i) => ({ ...c, commit: commits[i] })), dropped, tip, suite };
}
