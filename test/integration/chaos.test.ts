import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

// A CI-sized `npm run chaos`: the compiled script (npm test builds dist/ before jest) on a small backlog, with
// five worker kills and one server kill, as a child process with its own dev server, stand-in model and workers.
const SCRIPT = path.resolve(__dirname, '../../dist/bench/chaos.js');
const SUMMARY = /^kills: (\d+), server kills: (\d+), lost: (\d+), duplicates: (\d+), repaid model turns: (\d+)$/m;

describe('chaos', () => {
  it('loses and duplicates no task when workers and the server are killed mid-run', async () => {
    if (!fs.existsSync(SCRIPT))
      throw new Error(`${SCRIPT} is missing: build first (npm run build; npm test does it before jest)`);
    const child = spawn(
      process.execPath,
      [SCRIPT, '--tasks', '8', '--latency', '1500', '--worker-kills', '5', '--server-kills', '1', '--timeout-s', '500'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
    const summary = SUMMARY.exec(out);
    if (code !== 0 || !summary) throw new Error(`chaos exited with ${code}:\n${out.slice(-6000)}`);
    expect(summary[0]).toMatch(/^kills: \d+, server kills: \d+, lost: 0, duplicates: 0, repaid model turns: \d+$/);
    expect(Number(summary[1])).toBeGreaterThanOrEqual(5);
    expect(Number(summary[2])).toBe(1);
  }, 600_000);
});
