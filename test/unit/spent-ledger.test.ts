import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  activityLedgerKey,
  ledgerKey,
  SpentLedger,
  spentByAttempt,
  spentByTaskRun,
  unreported,
} from '../../activities/agent/spent-ledger';

const spent = (n: number) => ({
  inputTokens: n,
  outputTokens: n / 10,
  cacheWriteTokens: 0,
  cacheReadTokens: 0,
  costUsd: n / 1000,
});

describe('the per-turn token ledger', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-ledger-'));
  const run = '01a2-run';
  const key = ledgerKey(run, 1);

  it('a retry adds what earlier tries of the same attempt paid for; other attempts and runs stay apart', () => {
    new SpentLedger(dir, key, 1).record(spent(100)); // try 1 died after paying 100
    new SpentLedger(dir, key, 2).record(spent(50)); // try 2 died after paying 50
    new SpentLedger(dir, ledgerKey(run, 2), 1).record(spent(7)); // another attempt
    new SpentLedger(dir, ledgerKey('other-run', 1), 1).record(spent(9)); // a rerun of the task (batch R)
    const third = new SpentLedger(dir, key, 3);
    expect(third.earlier()).toMatchObject({ inputTokens: 150, outputTokens: 15 });
    expect(third.earlier().costUsd).toBeCloseTo(0.15);
  });

  it('when every try failed, all counts, even past tries that never paid (no file)', () => {
    const gappy = ledgerKey('gappy-run', 1);
    new SpentLedger(dir, gappy, 3).record(spent(30)); // tries 1 and 2 failed before their first turn
    expect(new SpentLedger(dir, gappy, 1).all().inputTokens).toBe(30);
  });

  it('a task cancelled mid-way: every attempt of its run', () => {
    expect(spentByTaskRun(dir, run).inputTokens).toBe(157);
    expect(spentByTaskRun(dir, 'never-ran').inputTokens).toBe(0);
  });
  describe('keyed by activityId (unique per scheduled activity) and its try', () => {
    const wf = '01b3-run';
    const file = (activityId: string, attempt: number) =>
      path.join(dir, `spent-${activityLedgerKey(wf, 1, activityId)}.${attempt}.json`);

    it('an activity scheduled anew after its host died starts its own ledger: the dead try keeps its file', () => {
      // Activity 7 (turn 3) paid 40 on a host that then died; the task schedules activity 9 (its try 1 again).
      new SpentLedger(dir, activityLedgerKey(wf, 1, '7'), 1).record(spent(40));
      const again = new SpentLedger(dir, activityLedgerKey(wf, 1, '9'), 1);
      expect(again.earlier().inputTokens).toBe(0); // not activity 7's tries: they are not its own
      again.record(spent(60));
      expect(JSON.parse(fs.readFileSync(file('7', 1), 'utf8')).inputTokens).toBe(40);
      expect(JSON.parse(fs.readFileSync(file('9', 1), 'utf8')).inputTokens).toBe(60);
      // A retry of activity 9 (try 2) adds only activity 9's earlier tries.
      expect(new SpentLedger(dir, activityLedgerKey(wf, 1, '9'), 2).earlier().inputTokens).toBe(60);
    });

    it("the attempt's total holds every activity and try, older ledgers too; what was never reported is the rest", () => {
      new SpentLedger(dir, ledgerKey(wf, 1), 1).record(spent(5)); // a runAgent of an older version, keyed by the attempt alone
      new SpentLedger(dir, activityLedgerKey(wf, 2, '3'), 1).record(spent(1000)); // another attempt
      const total = spentByAttempt(dir, wf, 1);
      expect(total.inputTokens).toBe(105);
      expect(total.costUsd).toBeCloseTo(0.105);
      // The workflow was told of activity 9's 60 (and the old 5): activity 7's 40 is what its dead host never reported.
      const lost = unreported(total, spent(65));
      expect(lost).toMatchObject({ inputTokens: 40, outputTokens: 4 });
      expect(lost.costUsd).toBeCloseTo(0.04);
      expect(unreported(total, spent(200))).toEqual({
        inputTokens: 0,
        outputTokens: 0,
        cacheWriteTokens: 0,
        cacheReadTokens: 0,
        costUsd: 0,
      });
    });

    it('activity ids are made safe for file names, and one is never a prefix of another', () => {
      expect(activityLedgerKey(wf, 1, '../x y')).toBe(`${wf}-1-a___x_y`);
      new SpentLedger(dir, activityLedgerKey(wf, 3, '1'), 1).record(spent(1));
      new SpentLedger(dir, activityLedgerKey(wf, 3, '12'), 1).record(spent(12));
      expect(new SpentLedger(dir, activityLedgerKey(wf, 3, '1'), 1).all().inputTokens).toBe(1);
    });
  });
});
