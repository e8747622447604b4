// The run's live state, and the messages that read and change it: the status query, the batches' reports, the
// operator's control update (forwarded to the running phase and batch).
import { getExternalWorkflowHandle, setCurrentDetails, setHandler, workflowInfo } from '@temporalio/workflow';
import type { PlanOutline, RunReport, RunSettings } from '../core/types';
import { addUsage } from '../core/usage';
import {
  applyControl,
  checkBudget,
  type ControlAction,
  type ControlState,
  initialControl,
  validateControl,
} from '../core/control';
import { RunState, tasksAfter } from '../core/run-state';
import { runStateOf } from '../core/search-attributes';
import { progressDetails } from './progress-details';
import {
  batchUpdateSignal,
  controlSignal,
  controlUpdate,
  statusQuery,
  taskUpdatesSignal,
  type TaskUpdate,
} from './run-messages';
import { upsertFlotillaState } from './search-attributes';
import type { GroupResult, RunCarry } from './types';

export class RunProgress {
  readonly rootWorkflowId = workflowInfo().workflowId;
  readonly state: RunState;
  readonly report: RunReport;
  outline: PlanOutline | undefined;
  segmentIndex: number;
  control: ControlState;
  /** Tasks of segments not loaded into memory yet (counted as pending, or skipped once the run stops). */
  unseen: { n: number; status: 'pending' | 'skipped' };
  runningBatch: string | null = null;
  runningPhase: string | null = null;
  /**
   * The control state the running phase (or the retry batch) was started with. A control change made while a
   * child is being started is otherwise lost: a signal to a child that has not started yet fails (not found) and
   * forwardControl drops it, so e.g. a paused phase would wait forever for its resume or abort.
   */
  sentControl: ControlState | null = null;
  /** The last commit a batch's full suite passed on: the final validation does not run that suite again on it. */
  validated: GroupResult['validated'];
  /** The e2e suite's last green run after a phase: the final e2e does not run again on that commit. */
  e2ePassed: GroupResult['e2ePassed'];

  constructor(
    readonly settings: RunSettings,
    carry?: RunCarry,
  ) {
    this.state = new RunState(carry?.state);
    const counts = this.state.counts({ n: 0, status: 'pending' });
    this.report = carry
      ? { ...carry.report, status: 'running', batches: [], tasks: [], counts, usage: this.state.usage() }
      : {
          runId: settings.runId,
          status: 'starting',
          repoPath: settings.repoPath,
          branch: null,
          baseSha: null,
          model: settings.model,
          planPath: null,
          startedAt: new Date().toISOString(),
          batches: [],
          tasks: [],
          counts,
          usage: this.state.usage(),
        };
    this.outline = carry?.outline;
    this.segmentIndex = carry?.segment ?? 0;
    this.control = carry?.control ?? initialControl(settings.budgetUsd);
    this.unseen = { n: carry ? tasksAfter(carry.outline, carry.segment - 1) : 0, status: 'pending' };
  }

  /** Whether the run goes on: running, and not aborted. */
  goesOn(): boolean {
    return this.report.status === 'running' && !this.control.abort;
  }

  fail(reason: string): void {
    this.report.status = 'failed';
    this.report.reason = reason;
  }

  /** The run's state in the shape of report.json (the run-level review's cost counts in its usage). */
  snapshot(): RunReport {
    const { report, control, outline, state } = this;
    const paused = report.status === 'running' && control.paused;
    const elsewhere = state.savedCount();
    const usage = state.usage();
    if (report.runReview) addUsage(usage, report.runReview.usage);
    return {
      ...report,
      status: paused ? 'paused' : report.status,
      ...(paused ? { reason: control.pauseReason ?? 'paused by the operator' } : {}),
      batches: outline ? state.batches(outline, this.segmentIndex) : [],
      tasks: [...state.tasks.values()],
      counts: state.counts(this.unseen),
      ...(elsewhere ? { tasksElsewhere: elsewhere } : {}),
      ...(outline && outline.segments.length > 1
        ? { segment: { number: Math.min(this.segmentIndex + 1, outline.segments.length), of: outline.segments.length } }
        : {}),
      usage,
    };
  }

  /** The Web UI shows this on the run's page, and filters on FlotillaState; refreshed whenever a task or batch reports. */
  showProgress(): void {
    const now = this.snapshot();
    setCurrentDetails(progressDetails(now));
    upsertFlotillaState(runStateOf(now));
  }

  /** Operator control: the new state goes to the running phase and batch, which act on it. */
  async forwardControl(): Promise<void> {
    const targets = [
      this.runningPhase ? `${this.rootWorkflowId}/phase-${this.runningPhase}` : null,
      this.runningBatch ? `${this.rootWorkflowId}/batch-${this.runningBatch}` : null,
    ];
    for (const id of targets)
      if (id)
        await getExternalWorkflowHandle(id)
          .signal(controlSignal, this.control)
          .catch(() => undefined);
  }

  /** A batch's result: the branch's new tip, its tasks' states, and a fatal error that stops the run. */
  absorb(r: GroupResult): string {
    if (r.validated) this.validated = r.validated;
    if (r.phaseCheck) this.report.phaseChecks = [...(this.report.phaseChecks ?? []), r.phaseCheck];
    if (r.e2ePassed) this.e2ePassed = r.e2ePassed;
    for (const t of r.tasks) this.state.set(t);
    if (r.fatal) this.fail(`stopped: ${r.fatal}`);
    return r.tip;
  }

  /** The run's query, signals and update. */
  listen(): void {
    setHandler(statusQuery, () => this.snapshot());
    setHandler(taskUpdatesSignal, (updates) => this.taskUpdates(updates));
    setHandler(batchUpdateSignal, (u) => {
      this.state.updateBatch(u);
      if (u.state === 'running') {
        this.runningBatch = u.id;
        // The batch has the control its phase had when it started it; send it any change made since.
        if (this.sentControl && this.control !== this.sentControl) {
          void getExternalWorkflowHandle(`${this.rootWorkflowId}/batch-${u.id}`)
            .signal(controlSignal, this.control)
            .catch(() => undefined);
        }
      }
      this.showProgress();
    });
    setHandler(
      controlUpdate,
      async (action: ControlAction) => {
        const { state: next, message } = applyControl(this.control, action);
        this.control = next;
        this.showProgress();
        await this.forwardControl();
        return message;
      },
      {
        validator: (action: ControlAction) =>
          validateControl(action, {
            runId: this.settings.runId,
            runStatus: this.report.status,
            control: this.control,
            statusOf: (id) => this.statusOf(id),
          }),
      },
    );
  }

  private taskUpdates(updates: TaskUpdate[]): void {
    for (const u of updates) this.state.update(u);
    if (updates.some((u) => u.usage)) {
      const checked = checkBudget(this.control, this.state.usage().costUsd);
      if (checked !== this.control) {
        this.control = checked;
        void this.forwardControl();
      }
    }
    this.showProgress();
  }

  /** A task's status and whether it was planned, also for tasks no longer (or not yet) held in memory. */
  private statusOf(taskId: string): { status: string; planned: boolean } | null {
    const held = this.state.tasks.get(taskId);
    if (held) return { status: held.status, planned: !!held.batch };
    const outline = this.outline;
    const batch = outline?.phases.flatMap((p) => p.batches).find((b) => b.taskIds.includes(taskId));
    if (!outline || !batch) return null;
    const at = outline.segments.findIndex((s) => s.batchIds.includes(batch.id));
    return { status: at < this.segmentIndex ? 'committed' : 'pending', planned: true };
  }
}
