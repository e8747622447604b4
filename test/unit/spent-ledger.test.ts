import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ledgerKey, SpentLedger, spentByTaskRun } from '../../activities/agent/spent-ledger';

const spent = (n: number) => ({ inputTokens: n, outputTokens: n / 10, cacheWriteTokens: 0, cacheReadTokens: 0, costUsd: n / 1000 });

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
});
