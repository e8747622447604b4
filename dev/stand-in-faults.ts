/**
 * Faults the stand-in model injects on demand, so tests (and FLOTILLA_STAND_IN_FAULTS for worker
 * subprocesses) can see how Flotilla copes with what the real API and a real model do.
 */

/** Answers with an HTTP error, or no answer at all. */
export const HTTP_FAULTS = ['rate_limit', 'overloaded', 'server_error', 'unauthorized', 'drop_connection'] as const;
/** Answers 200 with an unusual reply. */
export const REPLY_FAULTS = [
  'truncated_tool_call',
  'malformed_tool_input',
  'outside_path',
  'thinking',
  'parallel_edits',
  'pause_turn',
  'refusal',
  'catastrophic_regex',
  'empty_end_turn',
] as const;
export const FAULT_KINDS = [...HTTP_FAULTS, ...REPLY_FAULTS] as const;

export type HttpFaultKind = (typeof HTTP_FAULTS)[number];
export type ReplyFaultKind = (typeof REPLY_FAULTS)[number];
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface Fault {
  kind: FaultKind;
  /** Only requests about this task (the TASK-id in the first user message); any task when absent. */
  taskId?: string;
  /** Only this turn of a conversation (1 = the first request); any turn when absent. */
  turn?: number;
  /** Only requests of this asker: a coding agent, a task's reviewer, or the run-level reviewer; any when absent. */
  asks?: Asker;
  /** How many times it fires before the stand-in behaves normally again. Default 1. */
  times?: number;
  /** rate_limit and overloaded: the retry-after header, in seconds (default 1 for rate_limit, none for overloaded). */
  retryAfterSeconds?: number;
}

/** Who sends a request: a coding agent, a task's reviewer (with tools to look around), the run-level reviewer (the verdict tool only). */
export const ASKERS = ['agent', 'review', 'run-review'] as const;
export type Asker = (typeof ASKERS)[number];

export const isHttpFault = (k: FaultKind): k is HttpFaultKind => (HTTP_FAULTS as readonly string[]).includes(k);

const USAGE = `a JSON array of {"kind", "taskId"?, "turn"?, "asks"?, "times"?, "retryAfterSeconds"?}; kind is one of ${FAULT_KINDS.join(', ')}; asks one of ${ASKERS.join(', ')}`;

/** Checks faults given as data (options or JSON), with an error that says what is wrong. */
export function validateFaults(value: unknown, source = 'faults'): Fault[] {
  if (!Array.isArray(value)) throw new Error(`${source} must be ${USAGE}`);
  return value.map((f, i) => {
    const where = `${source}[${i}]`;
    if (!f || typeof f !== 'object') throw new Error(`${where} must be an object: ${USAGE}`);
    const { kind, taskId, turn, asks, times, retryAfterSeconds } = f as Record<string, unknown>;
    if (asks !== undefined && !(ASKERS as readonly unknown[]).includes(asks))
      throw new Error(`${where}.asks must be one of ${ASKERS.join(', ')} (got ${JSON.stringify(asks)})`);
    if (typeof kind !== 'string' || !(FAULT_KINDS as readonly string[]).includes(kind))
      throw new Error(`${where}.kind must be one of ${FAULT_KINDS.join(', ')} (got ${JSON.stringify(kind)})`);
    if (taskId !== undefined && typeof taskId !== 'string')
      throw new Error(`${where}.taskId must be a string such as "TASK-0001"`);
    for (const [name, v] of Object.entries({ turn, times, retryAfterSeconds })) {
      if (v !== undefined && !(typeof v === 'number' && Number.isFinite(v) && v >= 0))
        throw new Error(`${where}.${name} must be a number of at least 0`);
    }
    return f as Fault;
  });
}

/** Faults from the FLOTILLA_STAND_IN_FAULTS environment variable (JSON); none when it is unset. */
export function faultsFromEnv(raw: string | undefined): Fault[] {
  if (!raw?.trim()) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (err) {
    throw new Error(`FLOTILLA_STAND_IN_FAULTS is not valid JSON (${(err as Error).message}); it must be ${USAGE}`);
  }
  return validateFaults(parsed, 'FLOTILLA_STAND_IN_FAULTS');
}

/** The faults still to fire, each counting down its `times`. */
export class FaultPlan {
  private readonly left: number[];
  /** Every fault that fired, in order: for tests and logs. */
  readonly fired: { kind: FaultKind; taskId: string; turn: number }[] = [];

  constructor(private readonly faults: Fault[] = []) {
    this.left = faults.map((f) => f.times ?? 1);
  }

  /** The first fault matching this request, used up once; or null. */
  take(taskId: string, turn: number, asker?: Asker): Fault | null {
    const i = this.faults.findIndex(
      (f, k) =>
        this.left[k] > 0 &&
        (f.taskId === undefined || f.taskId === taskId) &&
        (f.turn === undefined || f.turn === turn) &&
        (f.asks === undefined || f.asks === asker),
    );
    if (i < 0) return null;
    this.left[i]--;
    this.fired.push({ kind: this.faults[i].kind, taskId, turn });
    return this.faults[i];
  }
}
