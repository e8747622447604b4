// The crash-point sweep: for every registered crash point (activities/crash-point.ts), one small real run whose
// worker is SIGKILLed at that point and started again; the run must end as a run without a crash does.
// One run per point, one after another on the shared dev server. `npm run crash-sweep:long` (FLOTILLA_SWEEP_LONG=1):
// a larger backlog, and each point also with the worker restarted under a new host id.
import { CRASH_POINTS, type CrashPointName } from '../../activities/crash-point';
import { branchContent, SWEEP, sweepRun, sweepTasks, sweepWarm } from '../helpers/crash-sweep';

const LONG = process.env.FLOTILLA_SWEEP_LONG === '1';
const TASKS = LONG ? 8 : 3;
const SWEEP_TASKS = sweepTasks(TASKS);
const points = Object.keys(CRASH_POINTS) as CrashPointName[];
const cases = points.flatMap(
  (point) =>
    (LONG
      ? [
          [point, 'same host'],
          [point, 'new host'],
        ]
      : [[point, 'same host']]) as Array<[CrashPointName, string]>,
);

describe('the crash-point sweep', () => {
  it.each(cases)(
    'a worker killed at %s, restarted (%s): the run ends with the same commits, none twice, no worktree left',
    async (point, restart) => {
      const r = await sweepRun(point, { tasks: TASKS, newHost: restart === 'new host' });
      const context = `${point} (${SWEEP[point]})\n${r.workerLogs}`;
      // The point was reached: a sweep that never fires proves nothing.
      expect({ point, fired: r.fired }).toEqual({ point, fired: true });
      expect({
        status: r.report.status,
        reason: r.report.reason,
        context: r.report.status === 'completed' ? '' : context,
      }).toMatchObject({ status: 'completed' });
      expect(
        r.report.tasks
          .filter((t) => t.status === 'committed')
          .map((t) => t.id)
          .sort(),
      ).toEqual(SWEEP_TASKS.map((t) => t.id));
      const { subjects, docCounts } = branchContent(r.repo, r.report, SWEEP_TASKS);
      // One commit per task, and each of its two edits exactly once.
      expect(subjects).toEqual(SWEEP_TASKS.map((t) => t.subject).sort());
      expect(docCounts).toEqual(Object.fromEntries(SWEEP_TASKS.map((t) => [t.id, [1, 1]])));
      // Every commit had its task ref while the run went (they are deleted at its end).
      expect([...r.refsSeen].sort()).toEqual(SWEEP_TASKS.map((t) => t.id));
      expect(r.mostWarm).toBeLessThanOrEqual(sweepWarm(TASKS));
      // No worktree left: no registration in the repository, nothing in the run's worktree folder.
      expect({ registrations: r.leftRegistrations, folder: r.leftFolder }).toEqual({ registrations: [], folder: [] });
    },
    LONG ? 400_000 : 200_000,
  );
});
