import { simpleGit } from 'simple-git';
import { startRun } from '../../client/start-run';
import { runSettings } from '../helpers/run-helpers';
import { docTask, makeSampleRepo, sampleFiles, taskFile } from '../helpers/sample-repo';
import { useTestWorker } from '../helpers/test-worker';

const worker = useTestWorker();

/**
 * The expected tests follow the branch: an early task removes a duplicated test and renames a mislabelled one;
 * later tasks (they depend on it, so they start from the branch with its commit) run that test file, one through
 * the related tests of its change and one with its own narrowed command and a name filter. Judged against the
 * run's baseline alone, both saw the two tests "vanish" from a file they never touched and were skipped.
 */
describe('a test removed or renamed by a committed task', () => {
  it('is never "vanished" for the tasks after it', async () => {
    const mathTests = [
      "const test = require('node:test');",
      "const assert = require('node:assert/strict');",
      "const { add, sub } = require('../src/math');",
      "test('add adds two numbers', () => assert.equal(add(2, 3), 5));",
      "test('add adds two numbers again', () => assert.equal(add(2, 3), 5));",
      "test('sub adds', () => assert.equal(sub(5, 3), 2));",
      '',
    ].join('\n');
    const files: Record<string, string> = {
      ...sampleFiles('package.json', 'src/math.js', 'src/text.js'),
      'test/math.test.js': mathTests,
      ...sampleFiles('test/text.test.js'),
      'tasks/TASK-0001.md': taskFile(
        'TASK-0001',
        'Remove the duplicated add test and fix the mislabelled sub test',
        'tests',
        'low',
        ['test/math.test.js'],
        'test/math.test.js',
        "test('add adds two numbers again', () => assert.equal(add(2, 3), 5));\ntest('sub adds', () => assert.equal(sub(5, 3), 2));",
        "test('sub subtracts', () => assert.equal(sub(5, 3), 2));",
      ),
      // Related tests of src/math.js: test/math.test.js.
      'tasks/TASK-0002.md': docTask('TASK-0002', 'add', undefined, ['TASK-0001']),
      // Its own narrowed command, with a name filter that selected the renamed test at the base.
      'tasks/TASK-0003.md': docTask(
        'TASK-0003',
        'upper',
        'node --test --test-name-pattern=sub test/math.test.js test/text.test.js',
        ['TASK-0001'],
      ),
      // Independent, in the first batch beside TASK-0001: it runs the file as it was at the base.
      'tasks/TASK-0004.md': docTask('TASK-0004', 'sub'),
    };
    const repo = await makeSampleRepo(files);
    const handle = await startRun(worker().client, runSettings(repo, { attempts: 1 }), worker().taskQueue);
    const report = await handle.result();
    const byId = Object.fromEntries(report.tasks.map((t) => [t.id, t]));
    const summary = report.tasks.map((t) => `${t.id} ${t.status}${t.reason ? `: ${t.reason}` : ''}`).join('\n');
    expect({ status: report.status, summary }).toEqual({ status: 'completed', summary: expect.any(String) });
    for (const id of ['TASK-0001', 'TASK-0002', 'TASK-0003', 'TASK-0004'])
      expect(`${id} ${byId[id].status}`).toBe(`${id} committed`);
    // The later tasks really ran the file the early task changed, from the branch with its commit.
    expect(byId['TASK-0002'].tests?.command).toBe('node --test test/math.test.js');
    expect(byId['TASK-0003'].tests?.command).toBe(
      'node --test --test-name-pattern=sub test/math.test.js test/text.test.js',
    );
    const git = simpleGit(repo);
    const finalTests = await git.show([`${report.branch}:test/math.test.js`]);
    expect(finalTests).not.toContain('add adds two numbers again');
    expect(finalTests).toContain("test('sub subtracts'");
    expect(await git.show([`${report.branch}:src/math.js`])).toContain('/** Adds two numbers. */');
    expect(report.final?.passed).toBe(true);
  }, 240_000);

  it('a Go module whose tasks narrow their tests with go test -run: every good task commits', async () => {
    const dceTests = [
      'package dce',
      '',
      'import "testing"',
      '',
      'func TestDCE(t *testing.T) { if Keep(2) != 2 { t.Fatal("Keep") } }',
      'func TestDCEDropsUnused(t *testing.T) { if Drop(2) != 0 { t.Fatal("Drop") } }',
      'func TestOther(t *testing.T) {}',
      'func TestTable(t *testing.T) { t.Run("one", func(t *testing.T) {}); t.Run("two", func(t *testing.T) {}) }',
      '',
    ].join('\n');
    const go = (id: string, title: string, search: string, replace: string, deps?: string[]) =>
      taskFile(id, title, 'docs', 'low', ['dce.go'], 'dce.go', search, replace, 'go test -run TestDCE .', deps);
    const files: Record<string, string> = {
      'go.mod': 'module example.com/dce\n\ngo 1.21\n',
      'dce.go': 'package dce\n\nfunc Keep(x int) int { return x }\n\nfunc Drop(x int) int { return 0 }\n',
      'dce_test.go': dceTests,
      'tasks/TASK-0001.md': go(
        'TASK-0001',
        'Document Keep',
        'func Keep(x int) int { return x }',
        '// Keep returns x.\nfunc Keep(x int) int { return x }',
      ),
      'tasks/TASK-0002.md': go(
        'TASK-0002',
        'Document Drop',
        'func Drop(x int) int { return 0 }',
        '// Drop returns nothing of x.\nfunc Drop(x int) int { return 0 }',
        ['TASK-0001'],
      ),
    };
    const repo = await makeSampleRepo(files);
    const handle = await startRun(worker().client, runSettings(repo, { attempts: 1 }), worker().taskQueue);
    const report = await handle.result();
    const summary = report.tasks.map((t) => `${t.id} ${t.status}${t.reason ? `: ${t.reason}` : ''}`).sort();
    expect(summary).toEqual(['TASK-0001 committed', 'TASK-0002 committed']);
    expect(report.tasks.find((t) => t.id === 'TASK-0001')!.tests?.command).toBe('go test -run TestDCE .');
    expect(report.baseline?.command).toBe('go test ./...');
    expect(report.status).toBe('completed');
  }, 240_000);
});
