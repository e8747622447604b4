// Phase validation on a real repository with an e2e script: the e2e suite runs after each phase, a change that
// breaks only the e2e suite is rolled back and named, and review.md has a section per phase.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { simpleGit } from 'simple-git';
import type { RunReport } from '../../core/types';
import { startRun } from '../../client/start-run';
import { runSettings } from '../helpers/run-helpers';
import { makeSampleRepo, taskFile } from '../helpers/sample-repo';
import { useTestWorker } from '../helpers/test-worker';

const worker = useTestWorker();

const level = 'module.exports = { level: 0 };\n';
const req = (m: string) =>
  `const test = require('node:test');\nconst assert = require('node:assert/strict');\nconst ${m} = require('../src/${m}');\n`;
const raise = (id: string, m: string, risk: string) =>
  taskFile(
    id,
    `Raise ${m}`,
    'refactor',
    risk,
    [`src/${m}.js`],
    `src/${m}.js`,
    'module.exports = { level: 0 };',
    'module.exports = { level: 1 };',
    `node --test test/${m}.test.js`,
  );

describe('phase validation', () => {
  it('runs the e2e suite after each phase and rolls back, by name, a change that breaks only the e2e suite', async () => {
    const repo = await makeSampleRepo({
      'package.json': JSON.stringify({
        name: 'phases',
        private: true,
        scripts: { test: 'node --test test/', 'test:e2e': 'node --test e2e/' },
      }),
      'src/a.js': level,
      'src/b.js': level,
      'src/c.js': level,
      'test/a.test.js': `${req('a')}test('a level is small', () => assert.ok(a.level <= 1));\n`,
      'test/b.test.js': `${req('b')}test('b level is small', () => assert.ok(b.level <= 1));\n`,
      'test/c.test.js': `${req('c')}test('c level is small', () => assert.ok(c.level <= 1));\n`,
      // Only the e2e suite knows that a must stay at 0.
      'e2e/a.test.js': `${req('a')}test('a stays at level 0 end to end', () => assert.equal(a.level, 0));\n`,
      'tasks/TASK-0001.md': raise('TASK-0001', 'a', 'low'),
      'tasks/TASK-0002.md': raise('TASK-0002', 'b', 'low'),
      'tasks/TASK-0003.md': raise('TASK-0003', 'c', 'medium'),
    });
    const handle = await startRun(worker().client, runSettings(repo, { review: 'off' }), worker().taskQueue);
    const report: RunReport = await handle.result();

    expect(report.status).toBe('completed');
    const status = Object.fromEntries(report.tasks.map((t) => [t.id, t.status]));
    expect(status).toEqual({ 'TASK-0001': 'skipped', 'TASK-0002': 'committed', 'TASK-0003': 'committed' });
    const a = report.tasks.find((t) => t.id === 'TASK-0001')!;
    expect(a.reason).toContain(
      'rolled back: the e2e suite (npm run test:e2e --silent) failed after phase 1 with this change',
    );

    // One check per phase: phase 1's e2e went red and rolled TASK-0001 back; phase 2's passed.
    expect(report.phaseChecks?.map((c) => ({ phase: c.phase, e2e: c.e2e?.passed, rolledBack: c.rolledBack }))).toEqual([
      { phase: '1', e2e: false, rolledBack: ['TASK-0001'] },
      { phase: '2', e2e: true, rolledBack: undefined },
    ]);
    // The final e2e is not repeated on the commit phase 2's e2e passed on.
    expect(report.e2e?.alreadyValidatedBy).toBe('phase-2-e2e');

    const log = (await simpleGit(repo).raw(['log', '--format=%s', `${report.baseSha}..${report.branch}`]))
      .trim()
      .split('\n');
    expect(log.sort()).toEqual(['Complete TASK-0002: Raise b', 'Complete TASK-0003: Raise c']);
    const review = fs.readFileSync(path.join(repo, '.flotilla', 'runs', report.runId, 'review.md'), 'utf8');
    expect(review).toContain('## Phase validation');
    // The stand-in did the work, and every record says so.
    expect(report.standIn).toBe('the tests run it');
    expect(review).toContain(
      '- Model: the stand-in (not Claude, because the tests run it; configured `claude-haiku-4-5`)',
    );
    expect(review).toContain('### Phase 1');
    expect(review).toContain('- Rolled back because the e2e suite failed with them: TASK-0001');
    expect(review).toContain('### Phase 2');
    const plan = fs.readFileSync(report.planPath!, 'utf8');
    expect(plan).toContain("- [ ] Check e2e tests (`npm run test:e2e --silent` on the phase's last commit;");
    expect(plan).toContain('- Agent: stand-in (not Claude; configured claude-haiku-4-5)');
    expect(plan.toLowerCase()).not.toContain('every agent is claude haiku');
  });
});
