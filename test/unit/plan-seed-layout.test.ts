// `flotilla plan` and the run's planRun on a repository laid out as the seed describes: tasks/, the research
// document in .prompts/001-task-execution-research/, the plan saved to .prompts/002-task-execution-plan/.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { execute } from '../../client/args';
import { planCommand } from '../../client/commands/plan';
import { makePlanRunActivities } from '../../activities/records/plan-run';
import { researchNotesFile } from '../../activities/run-paths';
import { makeSampleRepo } from '../helpers/sample-repo';
import { simpleGit } from 'simple-git';

const RESEARCH = '.prompts/001-task-execution-research/task-execution-research.md';
const OUT = '.prompts/002-task-execution-plan/task-execution-plan.md';

async function seedRepo(
  research = '# Research\n\n## TASK-0001: Document add\nThe exported add is the one to document.\n\n- TASK-0006: shout.js is new; keep it tiny\n',
): Promise<string> {
  const repo = await makeSampleRepo();
  fs.mkdirSync(path.join(repo, path.dirname(RESEARCH)), { recursive: true });
  fs.writeFileSync(path.join(repo, RESEARCH), research);
  return repo;
}

async function plan(repo: string, ...flags: string[]): Promise<string> {
  const lines: string[] = [];
  expect(
    await execute(planCommand, ['--repo', repo, '--out', path.join(repo, OUT), ...flags], (l) => lines.push(l)),
  ).toBe(0);
  return fs.readFileSync(path.join(repo, OUT), 'utf8');
}

describe('flotilla plan on the seed layout', () => {
  const saved = process.env.ANTHROPIC_API_KEY;
  afterEach(() => {
    if (saved === undefined) delete process.env.ANTHROPIC_API_KEY;
    else process.env.ANTHROPIC_API_KEY = saved;
  });

  it('--research FILE --out .prompts/002-…/task-execution-plan.md: folders made, the research named, its notes sent', async () => {
    const repo = await seedRepo();
    process.env.ANTHROPIC_API_KEY = 'sk-test';
    const md = await plan(repo, '--research', path.join(repo, RESEARCH), '--model', 'claude-sonnet-4-5');
    expect(md).toContain(`- Research findings from ${RESEARCH} (notes on 2 tasks, each given to that task's agent)`);
    expect(md).toContain('use the research notes on TASK-0001 given with it');
    // The configured model, everywhere; "haiku" nowhere.
    expect(md).toContain('Every agent is Claude Sonnet (`claude-sonnet-4-5`)');
    expect(md).toContain('- TASK-0001: Document add - Agent: claude-sonnet-4-5');
    expect(md).toContain('model="sonnet"');
    expect(md.toLowerCase()).not.toContain('haiku');
  });

  it('finds the research by convention, and says when the stand-in would do the work', async () => {
    const repo = await seedRepo();
    delete process.env.ANTHROPIC_API_KEY;
    const md = await plan(repo);
    expect(md).toContain(`- Research findings from ${RESEARCH}`);
    expect(md).toContain(
      "Every agent is the stand-in model (not Claude: it applies each task's Change blocks; used because ANTHROPIC_API_KEY is not set; with an API key, `claude-haiku-4-5`)",
    );
    expect(md).toContain('- Agent: stand-in (not Claude; configured claude-haiku-4-5)');
    expect(md).not.toContain('Every agent is Claude Haiku');
  });

  it('refuses research it cannot parse, naming the file', async () => {
    const repo = await seedRepo('<task id="TASK-0001">\nnever closed\n');
    await expect(
      execute(planCommand, ['--repo', repo, '--out', path.join(repo, OUT)], () => undefined),
    ).rejects.toThrow(
      `research document ${RESEARCH} cannot be used: <task id="TASK-0001"> on line 1 is never closed by </task>`,
    );
    await expect(
      execute(planCommand, ['--repo', repo, '--research', path.join(repo, 'missing.md')], () => undefined),
    ).rejects.toThrow('research document missing.md cannot be used: it cannot be read (ENOENT)');
  });

  it("the run's planRun writes each task's notes where its agent reads them, and names the stand-in", async () => {
    const repo = await seedRepo();
    const baseSha = (await simpleGit(repo).revparse(['HEAD'])).trim();
    const a = {
      runId: 'r1',
      repoPath: repo,
      baseSha,
      testCommand: 'npm test',
      maxParallel: 2,
      model: 'claude-haiku-4-5',
      sequentialRisk: 'high' as const,
      research: RESEARCH,
    };
    const planned = await makePlanRunActivities({ standIn: 'ANTHROPIC_API_KEY is not set' }).planRun(a);
    expect(planned.standIn).toBe('ANTHROPIC_API_KEY is not set');
    expect(fs.readFileSync(researchNotesFile(repo, 'r1', 'TASK-0001'), 'utf8')).toContain(
      'The exported add is the one to document.',
    );
    expect(fs.existsSync(researchNotesFile(repo, 'r1', 'TASK-0002'))).toBe(false);
    expect(fs.readFileSync(planned.planPath, 'utf8')).toContain(
      'Agent: stand-in (not Claude; configured claude-haiku-4-5)',
    );
    fs.writeFileSync(path.join(repo, RESEARCH), '\u0000binary');
    await expect(makePlanRunActivities().planRun({ ...a, runId: 'r2' })).rejects.toThrow(
      `research document ${RESEARCH} cannot be used: it is not UTF-8 text`,
    );
  });
});
