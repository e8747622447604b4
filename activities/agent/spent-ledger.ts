import * as fs from 'node:fs';
import * as path from 'node:path';
import { addUsage, noUsage } from '../../core/usage';
import type { TokenUsage } from '../../core/types';

/**
 * What an agent activity has spent so far, written after every model answer. When an activity try dies
 * mid-turn (a crash, a dropped connection, a 5xx) Temporal retries it; the tokens the lost try paid for are
 * still on the bill, so the retry reads them from here and adds them to its own usage. One file per scheduled
 * activity and try (Temporal's activityId and attempt), in the task's folder: an activity scheduled anew after
 * its host died has a new activityId, so it never takes over the file of the try that died with the host.
 */
export class SpentLedger {
  /** `key` names one scheduled activity of one task workflow's attempt (activityLedgerKey). */
  constructor(
    private readonly dir: string,
    private readonly key: string,
    private readonly activityAttempt: number,
  ) {}

  private file(activityAttempt: number): string {
    return path.join(this.dir, `spent-${this.key}.${activityAttempt}.json`);
  }

  /** Cumulative usage of this activity try so far (small, synchronous: called once per model answer). */
  record(usage: TokenUsage): void {
    fs.mkdirSync(this.dir, { recursive: true });
    fs.writeFileSync(this.file(this.activityAttempt), JSON.stringify(usage));
  }

  /** The usage of the earlier tries of this activity, which did not return. */
  earlier(): TokenUsage {
    const total = noUsage();
    for (let k = 1; k < this.activityAttempt; k++) {
      try {
        addUsage(total, JSON.parse(fs.readFileSync(this.file(k), 'utf8')) as TokenUsage);
      } catch {
        /* that try died before its first answer was paid for */
      }
    }
    return total;
  }

  /** The usage of every try of this activity, when none returned. */
  all(): TokenUsage {
    return sumLedgers(this.dir, [`spent-${this.key}.`]);
  }
}

/** The key of one task workflow's attempt: its run id and the attempt number (conversation checkpoints use it too). */
export const ledgerKey = (workflowRunId: string, attempt: number) => `${workflowRunId.slice(0, 36)}-${attempt}`;

/** The ledger key of one scheduled activity of a task workflow's attempt: Temporal's activityId is unique per scheduled activity. */
export const activityLedgerKey = (workflowRunId: string, attempt: number, activityId: string) =>
  `${ledgerKey(workflowRunId, attempt)}-a${activityId.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 64)}`;

/** Everything the agent activities of one task workflow's attempt spent, every activity and try (ledgers of older versions, keyed by the attempt alone, too). */
export const spentByAttempt = (dir: string, workflowRunId: string, attempt: number): TokenUsage => {
  const key = ledgerKey(workflowRunId, attempt);
  return sumLedgers(dir, [`spent-${key}.`, `spent-${key}-a`]);
};

/** Everything one task workflow's agents spent, over all its attempts and tries (for a task cancelled mid-way). */
export const spentByTaskRun = (dir: string, workflowRunId: string): TokenUsage =>
  sumLedgers(dir, [`spent-${workflowRunId.slice(0, 36)}-`]);

/** What `total` holds beyond `reported` (never below zero): what was paid for and never reported to the workflow. */
export function unreported(total: TokenUsage, reported: TokenUsage): TokenUsage {
  const left = (a: number, b: number) => Math.max(0, a - b);
  const out: TokenUsage = {
    inputTokens: left(total.inputTokens, reported.inputTokens),
    outputTokens: left(total.outputTokens, reported.outputTokens),
    cacheWriteTokens: left(total.cacheWriteTokens, reported.cacheWriteTokens),
    cacheReadTokens: left(total.cacheReadTokens, reported.cacheReadTokens),
  };
  if (total.costUsd !== undefined) {
    const cost = total.costUsd - (reported.costUsd ?? 0);
    out.costUsd = cost > 1e-12 ? cost : 0;
  }
  return out;
}

/** The sum of the ledger files in `dir` whose names start with one of `prefixes`. */
function sumLedgers(dir: string, prefixes: string[]): TokenUsage {
  const total = noUsage();
  const files = fs.existsSync(dir)
    ? fs.readdirSync(dir).filter((f) => prefixes.some((p) => f.startsWith(p)) && f.endsWith('.json'))
    : [];
  for (const f of files) addUsage(total, JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as TokenUsage);
  return total;
}
