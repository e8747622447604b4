import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { acceptanceCheck, makeEvalRepo } from '../../client/eval/run-eval';
import { EVAL_TASKS } from '../../client/eval/eval-tasks';
import { freePort } from '../../dev/temporal-server';
import { cli } from '../helpers/cli';

/**
 * `flotilla eval` offline, as CI runs it: its own dev server, worker and the stand-in model, two of the eval
 * tasks through real runs, then their hidden acceptance checks. The stand-in cannot do prose tasks: it answers
 * `cannot:`, so the trap task (whose right outcome is no commit) passes and the real one fails, with the reason.
 */
describe('flotilla eval (offline plumbing check)', () => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-eval-test-'));

  it('the hidden acceptance checks can fail: each real task fails at the base, the trap passes there', async () => {
    for (const t of EVAL_TASKS) {
      const repo = path.join(work, `base-${t.id}`);
      await makeEvalRepo(repo, t);
      const failed = await acceptanceCheck(repo, 'main', t);
      if (t.expect === 'skipped') expect(failed).toBeNull();
      else expect(failed).not.toBeNull();
    }
  }, 180_000);

  it('runs tasks through real runs against the stand-in and prints the table with the totals', async () => {
    process.env.FLOTILLA_STATE_DIR = path.join(work, 'state');
    process.env.FLOTILLA_WORKTREES = path.join(work, 'worktrees');
    delete process.env.ANTHROPIC_API_KEY;
    delete process.env.TEMPORAL_ADDRESS;
    const r = await cli(
      'eval',
      '--only',
      'EVAL-01,EVAL-04',
      '--dir',
      path.join(work, 'runs'),
      '--port',
      String(await freePort()),
      '--ui-port',
      String(await freePort()),
    );
    if (r.code !== 0) throw new Error(`flotilla eval exited with ${r.code}:\n${r.out}\n${r.err}`);
    expect(r.out).toMatch(/^task\s+expected\s+outcome\s+result\s+attempts\s+tokens\s+cache read\s+cost\s+time/m);
    expect(r.out).toMatch(/^EVAL-01\s+committed\s+skipped\s+FAIL\s+1\s+\d+\s+\d+\s+\$\d+\.\d{4}\s+\d+\.\ds/m);
    expect(r.out).toMatch(/^EVAL-04\s+skipped\s+skipped\s+pass\s+/m);
    expect(r.out).toMatch(
      /^Passed 1 of 2 \(50%\); \d+ tokens; \$\d+\.\d{4}, \$\d+\.\d{4} per successful task; [\d.]+ s$/m,
    );
    expect(r.out).toMatch(/^- EVAL-01: skipped: the agent could not do the task: .* is a prose task/m);
  }, 600_000);
});
