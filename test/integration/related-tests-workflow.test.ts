import { simpleGit } from 'simple-git';
import { startRun } from '../../client/start-run';
import { runSettings } from '../helpers/run-helpers';
import { makeSampleRepo, taskFile } from '../helpers/sample-repo';
import { useTestWorker } from '../helpers/test-worker';

const worker = useTestWorker();

const req = (m: string) =>
  `const test = require('node:test');\nconst assert = require('node:assert/strict');\nconst ${m} = require('../src/${m}');\n`;

describe('per-task tests without a tests: line', () => {
  it('judges each task by the tests related to its change, and skip the one that breaks them, naming the command', async () => {
    const repo = await makeSampleRepo({
      'package.json': JSON.stringify({ name: 'related', private: true, scripts: { test: 'node --test test/' } }),
      'src/a.js': 'module.exports = { level: 0 };\n',
      'src/b.js': 'module.exports = { level: 0 };\n',
      'test/a.test.js': `${req('a')}test('a level is small', () => assert.ok(a.level <= 1));\n`,
      'test/b.test.js': `${req('b')}test('b level is small', () => assert.ok(b.level <= 1));\n`,
      'tasks/TASK-0001.md': taskFile(
        'TASK-0001',
        'Raise a far',
        'refactor',
        'low',
        ['src/a.js'],
        'src/a.js',
        'module.exports = { level: 0 };',
        'module.exports = { level: 5 };',
      ),
      'tasks/TASK-0002.md': taskFile(
        'TASK-0002',
        'Raise b',
        'refactor',
        'low',
        ['src/b.js'],
        'src/b.js',
        'module.exports = { level: 0 };',
        'module.exports = { level: 1 };',
      ),
    });
    const settings = runSettings(repo, { maxParallel: 2 });
    const report = await (await startRun(worker().client, settings, worker().taskQueue)).result();
    expect(report.status).toBe('completed');
    const byId = Object.fromEntries(report.tasks.map((t) => [t.id, t]));
    expect(byId['TASK-0001']).toMatchObject({
      status: 'skipped',
      reason: 'tests failed (node --test test/a.test.js): test/a.test.js::a level is small',
    });
    expect(byId['TASK-0002'].status).toBe('committed');
    expect(await simpleGit(repo).show([`${report.branch}:src/b.js`])).toContain('level: 1');
  });
});
