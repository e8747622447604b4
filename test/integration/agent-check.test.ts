import { DefaultLogger } from '@temporalio/worker';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { simpleGit } from 'simple-git';
import { createAgentActivities, createMainActivities } from '../../activities';
import type { ReviewResult } from '../../activities/review/review-activities';
import { startStandInModel, type StandInModel } from '../../dev/stand-in-model';
import { activityEnv, agentInput, agentTurns } from '../helpers/agent-conversation';
import { makeSampleRepo, taskFile } from '../helpers/sample-repo';

const TOTAL = [
  '/** The sum of the prices. */',
  'export function total(prices: number[]): number {',
  '  return prices.reduce((sum, p) => sum + p, 0);',
  '}',
  '',
].join('\n');
const MAKES_A_TYPE_ERROR = [
  '  return prices.reduce((sum, p) => sum + p, 0);',
  '  const start: number = "0";\n  return prices.reduce((sum, p) => sum + p, start);',
] as const;
const FIX = [
  '```',
  'src/total.ts',
  '<<<<<<< SEARCH',
  '  const start: number = "0";',
  '=======',
  '  const start: number = 0;',
  '>>>>>>> REPLACE',
  '```',
  '',
].join('\n');

/**
 * Issue 25: the static check. The agent's edit results carry the new diagnostics of the file it edited (tsc with
 * the project's tsconfig, run like the tests), the agent fixes them, and the gate (the review's deterministic
 * checks) runs the same check against the base: a change that leaves a new type error is refused, naming it.
 * The stand-in plays the agent: its first edit makes a type error; under `## Fix` is what it does once told.
 */
describe('the check: shown to the agent after each edit, and run by the gate against the base', () => {
  let repo: string;
  let baseSha: string;
  let model: StandInModel;
  const logger = new DefaultLogger('ERROR');
  const worktreeRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-check-wt-'));

  beforeAll(async () => {
    const types = (id: string) =>
      taskFile(
        id,
        'Name the initial value of total',
        'types',
        'low',
        ['src/total.ts'],
        'src/total.ts',
        MAKES_A_TYPE_ERROR[0],
        MAKES_A_TYPE_ERROR[1],
      );
    repo = await makeSampleRepo({
      'package.json': JSON.stringify({ name: 'prices', private: true, scripts: { test: 'true' } }),
      'tsconfig.json': JSON.stringify({
        compilerOptions: { strict: true, noEmit: true, target: 'es2020', module: 'commonjs' },
        include: ['src'],
      }),
      'src/total.ts': TOTAL,
      // A type error already there at the base: never blamed on a task.
      'src/legacy.ts': 'export const legacy: string = 1;\n',
      'tasks/TASK-0200.md': `${types('TASK-0200')}\n## Fix\n${FIX}`,
      'tasks/TASK-0201.md': types('TASK-0201'),
    });
    baseSha = (await simpleGit(repo).revparse(['HEAD'])).trim();
    model = await startStandInModel({ recordRequests: true });
  });
  afterAll(() => model.close());

  const env = (runId: string, id: string) => activityEnv(runId, id, logger);
  const acts = () => createAgentActivities({ worktreeRoot, modelAccess: { apiKey: 'test-key', baseURL: model.url } });

  async function agentThenGate(runId: string, taskId: string) {
    const a = acts();
    let n = 0;
    const turns = await agentTurns(
      () => env(runId, `${++n}`),
      a,
      agentInput(runId, repo, taskId, baseSha, 8, 'npm test'),
    );
    const last = turns[turns.length - 1];
    const review = (await env(runId, 'review').run(a.reviewTask, {
      runId,
      repoPath: repo,
      taskId,
      baseSha,
      sourcePath: `tasks/${taskId}.md`,
      category: 'types',
      declared: ['src/total.ts'],
      edited: last.edited,
      summary: last.final!.summary,
      tests: { command: 'npm test', passed: true, logPath: '/nonexistent.log', durationMs: 1 },
      model: 'claude-haiku-4-5',
      attempt: 1,
      mode: 'gate' as const,
    })) as ReviewResult;
    return { turns, last, review, worktree: path.join(worktreeRoot, runId, taskId) };
  }

  it('a first edit that makes a type error: the edit result shows it, the agent fixes it, the gate passes and the task is committed', async () => {
    const runId = 'check1';
    const { turns, last, review, worktree } = await agentThenGate(runId, 'TASK-0200');
    expect(turns.map((t) => [t.turn, t.tools])).toEqual([
      [1, ['str_replace src/total.ts']],
      [2, ['str_replace src/total.ts']],
      [3, []],
    ]);
    // What the agent read after its first edit: the new diagnostic of its own check, not the base's old one.
    const secondRequest = JSON.stringify(
      (
        model.bodies.find(
          (b) => JSON.stringify(b).includes('TASK-0200') && (b as { messages: unknown[] }).messages.length === 3,
        ) as { messages: unknown[] }
      ).messages[2],
    );
    expect(secondRequest).toContain('The check (tsc) now reports 1 new problem in src/total.ts');
    expect(secondRequest).toMatch(/src\/total\.ts:3:\d+ TS2322 Type 'string' is not assignable to type 'number'/);
    expect(secondRequest).not.toContain('legacy.ts');
    expect(fs.readFileSync(path.join(worktree, 'src/total.ts'), 'utf8')).toContain('const start: number = 0;');
    expect(review).toMatchObject({ verdict: 'approve' });
    const committed = await createMainActivities({ worktreeRoot }).commitTask({
      runId,
      repoPath: repo,
      taskId: 'TASK-0200',
      baseSha,
      title: 'Name the initial value of total',
      summary: last.final!.summary,
      edited: last.edited,
      sourcePath: 'tasks/TASK-0200.md',
    });
    expect(committed.commit).toMatch(/^[0-9a-f]{40}$/);
    expect(await simpleGit(repo).show([`${committed.commit}:src/total.ts`])).toContain('const start: number = 0;');
  });

  it('the same change without the fix is refused by the gate, naming the new diagnostic', async () => {
    const { last, review } = await agentThenGate('check2', 'TASK-0201');
    expect(last.final).toMatchObject({ ok: true });
    expect(review).toMatchObject({
      verdict: 'request_changes',
      by: 'checks',
      comments: [expect.objectContaining({ check: 'new-diagnostics', file: 'src/total.ts', line: 3 })],
    });
    expect(review.summary).toMatch(
      /adds a tsc diagnostic: src\/total\.ts:3:\d+ TS2322 Type 'string' is not assignable to type 'number'/,
    );
  });
});
