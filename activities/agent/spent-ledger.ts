import * as fs from 'node:fs';
import * as path from 'node:path';
import { addUsage, noUsage } from '../../core/usage';
import type { TokenUsage } from '../../core/types';

/**
 * What an agent run has spent so far, written after every model turn. When an activity attempt dies
 * mid-conversation (a crash, a dropped connection, a 5xx) Temporal retries it from the start; the tokens
 * the lost attempt paid for are still on the bill, so the retry reads them from here and adds them to its
 * own usage. One file per task attempt and activity attempt, in the task's folder.
 */
export class SpentLedger {
  /** `key` names one task workflow's attempt (its run id and attempt number), so a later rerun of the task never reads these. */
  constructor(
    private readonly dir: string,
    private readonly key: string,
    private readonly activityAttempt: number,
  ) {}

  private file(activityAttempt: number): string {
    return path.join(this.dir, `spent-${this.key}.${activityAttempt}.json`);
  }

  /** Cumulative usage of this activity attempt so far (small, synchronous: called once per turn). */
  record(usage: TokenUsage): void {
    fs.mkdirSync(this.dir, { recursive: true });
    fs.writeFileSync(this.file(this.activityAttempt), JSON.stringify(usage));
  }

  /** The usage of the earlier activity attempts of this task attempt, which did not return. */
  earlier(): TokenUsage {
    return this.sum(this.activityAttempt - 1);
  }

  /** The usage of every try of this task attempt, when none returned (the workflow asks once they all failed). */
  all(): TokenUsage {
    return sumLedgers(this.dir, `spent-${this.key}.`);
  }

  private sum(upTo: number): TokenUsage {
    const total = noUsage();
    for (let k = 1; k <= upTo; k++) {
      try {
        addUsage(total, JSON.parse(fs.readFileSync(this.file(k), 'utf8')) as TokenUsage);
      } catch {
        /* that try died before its first turn was paid for */
      }
    }
    return total;
  }
}

/** The ledger key of one task workflow's attempt: its run id and the attempt number. */
export const ledgerKey = (workflowRunId: string, attempt: number) => `${workflowRunId.slice(0, 36)}-${attempt}`;

/** Everything one task workflow's agents spent, over all its attempts and tries (for a task cancelled mid-way). */
export const spentByTaskRun = (dir: string, workflowRunId: string): TokenUsage => sumLedgers(dir, `spent-${workflowRunId.slice(0, 36)}-`);

/** The sum of the ledger files in `dir` whose names start with `prefix`. */
function sumLedgers(dir: string, prefix: string): TokenUsage {
  const total = noUsage();
  const files = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.startsWith(prefix) && f.endsWith('.json')) : [];
  for (const f of files) addUsage(total, JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as TokenUsage);
  return total;
}
