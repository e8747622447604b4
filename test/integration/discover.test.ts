import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import { simpleGit } from 'simple-git';
import { execute } from '../../client/args';
import { discoverCommand } from '../../client/commands/discover';
import { startStandInModel } from '../../dev/stand-in-model';
import { analyseRepository } from '../../discover';
import { PROPOSE_TOOL, proposeTasks } from '../../discover/instruction';
import { buildPlan, parseTaskFiles, type Plan } from '../../planner';

const DEMO = path.join(__dirname, '..', '..', 'examples', 'demo-repo');

/** examples/demo-repo copied to a temp git repository, with or without its task backlog. */
async function demoCopy(keepTasks = false): Promise<string> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-discover-demo-'));
  fs.cpSync(DEMO, dir, { recursive: true, filter: (src) => !src.split(path.sep).includes('node_modules') });
  if (!keepTasks) fs.rmSync(path.join(dir, 'tasks'), { recursive: true, force: true });
  const git = simpleGit({ baseDir: dir, config: ['user.name=Test User', 'user.email=test@example.com'] });
  await git.init(['--initial-branch=main']);
  await git.add('.');
  await git.commit('init');
  return dir;
}

const taskFiles = (repo: string) =>
  fs.existsSync(path.join(repo, 'tasks'))
    ? fs
        .readdirSync(path.join(repo, 'tasks'))
        .filter((f) => f.endsWith('.md'))
        .sort()
    : [];

/** Plans the repository's tasks/ as `flotilla plan` does (with the files git lists). */
async function planOf(repo: string): Promise<Plan> {
  const files = taskFiles(repo).map((f) => ({
    path: `tasks/${f}`,
    text: fs.readFileSync(path.join(repo, 'tasks', f), 'utf8'),
  }));
  const { tasks, problems } = parseTaskFiles(files);
  const listed = await simpleGit(repo).raw(['ls-files', '--cached', '--others', '--exclude-standard']);
  return buildPlan(tasks, problems, {
    repoName: 'demo',
    testCommand: 'npm test',
    sequentialRisk: 'high',
    maxParallel: 4,
    existingFiles: new Set(listed.split('\n').filter(Boolean)),
  });
}

async function discover(argv: string[]): Promise<{ code: number; lines: string[] }> {
  const lines: string[] = [];
  const code = await execute(discoverCommand, argv, (s) => lines.push(...s.split('\n')));
  return { code, lines };
}

describe('flotilla discover on the demo repository', () => {
  const savedKey = process.env.ANTHROPIC_API_KEY;
  beforeAll(() => delete process.env.ANTHROPIC_API_KEY);
  afterAll(() => {
    if (savedKey !== undefined) process.env.ANTHROPIC_API_KEY = savedKey;
  });

  it('writes at least 8 task files the planner accepts, and a re-run writes none', async () => {
    const repo = await demoCopy();
    const first = await discover(['--repo', repo]);
    expect(first.code).toBe(0);
    const written = taskFiles(repo);
    expect(written.length).toBeGreaterThanOrEqual(8);
    expect(written[0]).toBe('TASK-0001.md');
    const plan = await planOf(repo);
    expect(plan.skipped).toEqual([]);
    expect(Object.keys(plan.tasks)).toHaveLength(written.length);
    const categories = new Set(Object.values(plan.tasks).map((t) => t.category));
    expect([...categories].sort()).toEqual(['docs', 'todo', 'types']);
    for (const f of written)
      expect(fs.readFileSync(path.join(repo, 'tasks', f), 'utf8')).toMatch(
        /^discover-key: (docs|types|todo|fixme|dead-code|lint):src\/\S+$/m,
      );
    // Tests are found for every source file (the demo's test files import them).
    expect(
      Object.values(plan.tasks).every((t) => /^node --import tsx --test test\/\w+\.test\.ts$/.test(t.tests ?? '')),
    ).toBe(true);
    expect(first.lines.join('\n')).toMatch(/Wrote \d+ task file\(s\) \(TASK-0001 … TASK-\d{4}\)/);
    expect(first.lines).toContain('Note: ESLint: skipped (no ESLint config in the repository)');
    expect(first.lines[first.lines.length - 1]).toBe(
      `Next: flotilla plan --repo ${repo}   (commit tasks/ before flotilla run)`,
    );

    const before = written.map((f) => fs.readFileSync(path.join(repo, 'tasks', f), 'utf8'));
    const again = await discover(['--repo', repo]);
    expect(again.code).toBe(0);
    expect(taskFiles(repo)).toEqual(written);
    expect(written.map((f) => fs.readFileSync(path.join(repo, 'tasks', f), 'utf8'))).toEqual(before);
    expect(again.lines.join('\n')).toMatch(
      /Wrote 0 task file\(s\)[\s\S]*Skipped \d+ already in tasks\/ or tasks\/archive\//,
    );

    // Archived tasks count too: move one to tasks/archive/, and nothing comes back.
    fs.mkdirSync(path.join(repo, 'tasks', 'archive'));
    fs.renameSync(path.join(repo, 'tasks', written[0]), path.join(repo, 'tasks', 'archive', written[0]));
    await discover(['--repo', repo]);
    expect(taskFiles(repo)).toEqual(written.slice(1));
  });

  it('--dry-run writes nothing; --max and --category limit what is written', async () => {
    const repo = await demoCopy();
    const dry = await discover(['--repo', repo, '--dry-run']);
    expect(taskFiles(repo)).toEqual([]);
    expect(dry.lines.filter((l) => l.startsWith('would write tasks/TASK-')).length).toBeGreaterThanOrEqual(8);
    await discover(['--repo', repo, '--category', 'docs', '--max', '3']);
    expect(taskFiles(repo)).toEqual(['TASK-0001.md', 'TASK-0002.md', 'TASK-0003.md']);
    expect((await planOf(repo)).skipped).toEqual([]);
    expect(Object.values((await planOf(repo)).tasks).map((t) => t.category)).toEqual(['docs', 'docs', 'docs']);
    await expect(discover(['--repo', repo, '--category', 'poetry'])).rejects.toThrow(
      /--category poetry: not a category/,
    );
  });

  it('continues after the existing backlog (TASK-0001 … TASK-0043) and plans cleanly with it', async () => {
    const repo = await demoCopy(true);
    const before = taskFiles(repo);
    await discover(['--repo', repo]);
    const added = taskFiles(repo).filter((f) => !before.includes(f));
    expect(added[0]).toBe('TASK-0044.md');
    // The demo's backlog holds one deliberately broken file (TASK-0043); the new ones plan cleanly beside it.
    const plan = await planOf(repo);
    expect(plan.skipped.map((p) => p.file)).toEqual(['tasks/TASK-0043.md']);
    for (const f of added) expect(plan.tasks[f.replace(/\.md$/, '')]).toBeDefined();
  });

  it('--instruction: the stand-in model splits the instruction into tasks that plan cleanly; a re-run writes none', async () => {
    const repo = await demoCopy();
    const r = await discover(['--repo', repo, '--instruction', 'Add JSDoc to every exported function in src/']);
    expect(r.code).toBe(0);
    const written = taskFiles(repo);
    expect(written).toHaveLength(8); // one per file of src/
    const plan = await planOf(repo);
    expect(plan.skipped).toEqual([]);
    expect(
      Object.values(plan.tasks)
        .map((t) => t.touches[0])
        .sort(),
    ).toEqual(
      fs
        .readdirSync(path.join(repo, 'src'))
        .map((f) => `src/${f}`)
        .sort(),
    );
    const text = fs.readFileSync(path.join(repo, 'tasks', 'TASK-0001.md'), 'utf8');
    expect(text).toMatch(/^discover-key: instruction:[0-9a-f]{10}:src\/arrays.ts$/m);
    expect(text).toMatch(/^category: docs$/m);
    expect(text).toMatch(/^tests: node --import tsx --test test\/arrays.test.ts$/m);
    expect(text).toContain('Add JSDoc to every exported function in src/');
    const again = await discover(['--repo', repo, '--instruction', 'Add JSDoc to every exported function in src/']);
    expect(again.code).toBe(0);
    expect(taskFiles(repo)).toEqual(written);
  });

  it('asks the model through the Messages API with a forced propose_tasks tool, and feeds back an invalid answer once', async () => {
    const repo = await demoCopy();
    const standIn = await startStandInModel({ recordRequests: true });
    try {
      const client = new Anthropic({ apiKey: 'stand-in-model', baseURL: standIn.url, maxRetries: 0 });
      const analysis = analyseRepository(repo, { linters: false });
      const r = await proposeTasks({
        client,
        model: 'claude-haiku-4-5',
        instruction: 'Replace any with precise types in src/parser.ts',
        repoName: 'demo',
        analysis,
      });
      expect(r.problems).toEqual([]);
      expect(r.tasks).toEqual([expect.objectContaining({ category: 'types', files: ['src/parser.ts'] })]);
      const body = standIn.bodies[0] as {
        tools: { name: string; input_schema: { properties: Record<string, unknown> } }[];
        tool_choice: unknown;
        messages: { content: string }[];
      };
      expect(body.tools.map((t) => t.name)).toEqual([PROPOSE_TOOL]);
      expect(body.tool_choice).toEqual({ type: 'tool', name: PROPOSE_TOOL });
      expect(body.messages[0].content).toContain(
        'src/parser.ts: 2 importers; tests: node --import tsx --test test/parser.test.ts; docs at lines 3, 18, 31, 59, 64, 69; types at lines 4, 59',
      );
      // An instruction naming no file of the listing gives every source file; a listing without them gives an invalid answer (nothing), then a second round.
      const empty = { ...analysis, files: [] };
      const bad = await proposeTasks({
        client,
        model: 'claude-haiku-4-5',
        instruction: 'Tidy',
        repoName: 'demo',
        analysis: empty,
      });
      expect(bad.tasks).toEqual([]);
      expect(bad.problems).toEqual(['`tasks` must be a non-empty array']);
      const last = standIn.bodies[standIn.bodies.length - 1] as { messages: { role: string; content: unknown }[] };
      expect(last.messages).toHaveLength(3);
      expect(JSON.stringify(last.messages[2].content)).toContain('"is_error":true');
    } finally {
      await standIn.close();
    }
  });
});
