import type { TestEvidence } from '../../core/types';
import type { ProbeChange, ProbeResult } from '../../activities/git/integrate';
import { slimEvidence } from '../../core/run-state';
import { mainActivities, testActivities } from '../activity-proxies';
import type { RunContext } from '../types';

export interface CulpritSearchInput {
  ctx: RunContext;
  batchId: string;
  /** The run branch before the batch's first change. */
  startTip: string;
  /** The batch's changes, in the order they reached the branch (each task's own commit). */
  changes: ProbeChange[];
  /** The batch's full suite that failed on all of them (slim: no output tail). */
  failed: TestEvidence;
  /** The check that failed, when not the batch's full suite against the baseline (the e2e suite after a phase). */
  check?: CulpritCheck;
}

export interface CulpritSearch {
  /** Changes on the branch at the end, with their commits there. */
  kept: ProbeChange[];
  /** Changes dropped for breaking the suite, with the probe that showed it. */
  dropped: Array<{ taskId: string; evidence: TestEvidence }>;
  /** Changes that no longer applied once a culprit was left out (they needed its change): skipped, with why. */
  notApplied: Array<{ taskId: string; reason: string }>;
  tip: string;
  /** The last full-verdict suite on `tip`: green, unless the search could not make it so. */
  suite: TestEvidence;
  /** Set when the suite was already red at `startTip`, before any of the batch's changes: nothing was blamed. */
  redStart?: TestEvidence;
  /** Suite runs the search made (its cost; see culpritSearchWorkflow). */
  suiteRuns: number;
}

/** The check that failed, when not the batch's full suite against the baseline (the e2e suite after a phase), and its logs' label. */
export interface CulpritCheck {
  command: string;
  baseline: RunContext['baseline'];
  comparedToBase?: false;
  label: string;
}

/**
 * Layer validation failed: the batch's changes pass alone but break the suite together. Runs as a child of the
 * batch, so its events never count in the batch's history.
 *
 * 1. The start tip first: the suite on the branch without any of the batch's changes, with the full verdict
 *    (flaky re-runs). Red there, the batch's changes are not to blame: they are all put back and `redStart` says so.
 * 2. Bisection over the changes in the order they reached the branch, for the first one whose addition turns the
 *    suite red on the failures being chased (the targets: the failing tests of the last full-verdict run). Each
 *    probe is one activity that resets the branch and re-applies a prefix of the changes (minus those left out)
 *    and one suite run without flaky re-runs (a target failed on every re-run of the full verdict already; a
 *    failure outside the targets does not make a probe red). The culprit is dropped; the search goes on after it.
 * 3. After each drop, the kept changes with the full verdict: green ends the search (the green final probe every
 *    "committed" needs); red on the same targets goes on bisecting after the culprit; red on other tests starts a
 *    search over all kept changes on those.
 * A kept change that no longer applies once a culprit is left out is skipped with its reason, never a failure.
 *
 * Cost, for a batch of n changes with k culprits (L = ⌈log₂ n⌉):
 * - suite runs ≤ 1 (start) + k·L (bisection) + k (one full verdict after each drop; the last is the green final);
 * - activities = suite runs + 1 per probe's apply + 2 (the saved list, the final apply with commits);
 * - history events ≈ 6 per activity + ~10 ≈ 12·(1 + k·(L + 1)) + 25. Measured (`npm run bench:culprits -- --tasks
 *   500 --culprits 2`): 20 suite runs, 251 events, 228 KB; at 200 changes 18 runs, 227 events, 114 KB. Probe inputs
 *   name changes by position in a list saved once on disk; only the search's own input and the applies that return
 *   the kept changes' commits (one after each drop) grow with n, ~75 bytes per change.
 * A change is never applied one activity each, and a deterministic failure is never re-run as a flaky check per probe.
 */
export async function culpritSearchWorkflow({
  ctx,
  batchId,
  startTip,
  changes,
  failed,
  check,
}: CulpritSearchInput): Promise<CulpritSearch> {
  const git = mainActivities();
  const testing = testActivities();
  const ref = { runId: ctx.runId, repoPath: ctx.repoPath };
  const n = changes.length;
  const listFile = await git.saveProbeList({ ...ref, batchId, changes });
  /** Changes left out from now on: dropped culprits and changes that no longer apply. */
  const out = new Set<string>();
  const notApplied: CulpritSearch['notApplied'] = [];
  const dropped: CulpritSearch['dropped'] = [];
  let suiteRuns = 0;
  let probes = 0;
  /** The last apply of every change not left out, with their commits (the final result needs them). */
  let whole: ProbeResult | undefined;
  /** The branch at the start tip plus the first `upTo` changes that are not left out. */
  const apply = async (upTo: number, withCommits = false): Promise<ProbeResult> => {
    const r = await git.applyProbe({
      ...ref,
      sha: startTip,
      listFile,
      upTo,
      excluding: [...out],
      ...(withCommits ? { withCommits } : {}),
    });
    whole = upTo === n && withCommits ? r : undefined;
    for (const x of r.notApplied) {
      out.add(x.taskId);
      notApplied.push({
        taskId: x.taskId,
        reason: `its change no longer applies without the changes the culprit search dropped (${dropped.map((d) => d.taskId).join(', ') || 'none'}): ${x.reason}`,
      });
    }
    return r;
  };
  const suite = (label: string, flakyReruns = ctx.settings.flakyReruns): Promise<TestEvidence> => {
    suiteRuns++;
    const c = check ?? { command: ctx.testCommand, baseline: ctx.baseline, label: `batch-${batchId}` };
    return testing.runBranchTests({
      ...ref,
      command: c.command,
      baseline: c.baseline,
      label: `${c.label}-${label}`,
      ...(c.comparedToBase === false ? { comparedToBase: false as const } : {}),
      ...(flakyReruns === undefined ? {} : { flakyReruns }),
    });
  };
  const result = async (evidence: TestEvidence, extra: Partial<CulpritSearch> = {}): Promise<CulpritSearch> => {
    const r = whole ?? (await apply(n, true));
    return {
      kept: r.commits ?? [],
      dropped,
      notApplied,
      tip: r.tip,
      suite: slimEvidence(evidence),
      suiteRuns,
      ...extra,
    };
  };

  await apply(0);
  const start = await suite('start');
  if (!start.passed) return result(start, { redStart: slimEvidence(start) });

  let targets = new Set(failed.failingTests);
  /** Red on the failures chased (any failure when the suite named none). */
  const red = (e: TestEvidence) =>
    !e.passed && (targets.size === 0 || e.failingTests.length === 0 || e.failingTests.some((f) => targets.has(f)));
  let from = 0; // changes before it are decided: kept, unless left out
  let all: TestEvidence = failed; // the full verdict on every change not left out
  for (;;) {
    if (all.passed) return result(all);
    if (!red(all)) {
      // Red on other tests than the ones chased: chase those, over every kept change.
      targets = new Set(all.failingTests);
      from = 0;
    }
    // The smallest `hi` whose prefix is red: change hi-1 turns it red.
    let lo = from + 1;
    let hi = n;
    let evidence = all;
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2);
      await apply(mid);
      const probe = await suite(`probe-${++probes}`, 0);
      if (red(probe)) {
        hi = mid;
        evidence = probe;
      } else lo = mid + 1;
    }
    const culprit = changes[hi - 1];
    // A culprit already left out means the probes disagreed with themselves (a failure that comes and goes):
    // the suite stays as it is, and the changes stay integrated, not committed.
    if (hi <= from || out.has(culprit.taskId)) return result(all);
    out.add(culprit.taskId);
    dropped.push({ taskId: culprit.taskId, evidence: slimEvidence(evidence) });
    from = hi;
    await apply(n, true);
    all = await suite(`after-dropping-${culprit.taskId}`);
  }
}
