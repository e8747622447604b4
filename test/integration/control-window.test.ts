import type { RunReport, RunSettings } from '../../core/types';
import { startRun } from '../../client/start-run';
import { controlUpdate, statusQuery } from '../../workflows/run-messages';
import { makeSampleRepo, taskFile } from '../helpers/sample-repo';
import { useTestWorker } from '../helpers/test-worker';

const worker = useTestWorker();
const N = 8;

/** N high-risk tasks: each is its own sequential batch, so the run crosses N batch boundaries. */
function files(): Record<string, string> {
  const out: Record<string, string> = {
    'package.json': JSON.stringify({ name: 'window', private: true, scripts: { test: 'node --test test/' } }),
    'test/ok.test.js': "const test = require('node:test');\ntest('ok', () => {});\n",
  };
  for (let i = 1; i <= N; i++) {
    const id = `TASK-000${i}`;
    out[`src/f${i}.js`] = `module.exports = ${i};\n`;
    out[`tasks/${id}.md`] = taskFile(
      id,
      `Tidy f${i}`,
      'refactor',
      'high',
      [`src/f${i}.js`],
      `src/f${i}.js`,
      `module.exports = ${i};`,
      `module.exports = ${i}; // tidy`,
    );
  }
  return out;
}

describe('operator commands across batch boundaries', () => {
  it('a skip accepted the moment a batch ends reaches the next batch: every accepted skip is honoured', async () => {
    const settings: RunSettings = {
      runId: `window-${Date.now()}`,
      repoPath: await makeSampleRepo(files()),
      model: 'claude-haiku-4-5',
      maxParallel: 2,
      attempts: 1,
      maxTurns: 10,
      sequentialRisk: 'high',
      review: 'off',
    };
    const h = await startRun(worker().client, settings, worker().taskQueue);
    const accepted: string[] = [];
    const done = new Set<string>();
    let result: RunReport | undefined;
    void h.result().then(
      (r) => (result = r),
      () => undefined,
    );
    const deadline = Date.now() + 240_000;
    while (!result && Date.now() < deadline) {
      const s = await h.query(statusQuery).catch(() => null);
      if (!s) continue;
      for (const b of s.batches) {
        if (b.state !== 'done' || done.has(b.id)) continue;
        done.add(b.id);
        // A batch just ended: skip the next pending task at once, while the phase starts its batch.
        const next = s.tasks.find((t) => t.status === 'pending' && !accepted.includes(t.id));
        if (!next) continue;
        const answer = await h
          .executeUpdate(controlUpdate, { args: [{ action: 'skip', taskId: next.id }] })
          .catch(() => null);
        if (answer) accepted.push(next.id);
      }
    }
    const report = result ?? (await h.result());
    expect(report.status).toBe('completed');
    expect(accepted.length).toBeGreaterThanOrEqual(2);
    for (const id of accepted) {
      const t = report.tasks.find((x) => x.id === id)!;
      expect({ id, status: t.status, reason: t.reason }).toMatchObject({
        id,
        status: 'skipped',
        reason: expect.stringContaining('skipped by the operator'),
      });
    }
  });
});
