import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { systemPrompt, taskPrompt } from '../../activities/agent/agent-prompt';
import { excerpt, guessLanguage, readConventions, readConventionsAt } from '../../activities/agent/repo-conventions';
import { execFileSync } from 'node:child_process';

describe('agent prompt and repo conventions', () => {
  it('guesses the main language from file names, ignoring task files', () => {
    expect(guessLanguage(['src/a.ts', 'src/b.ts', 'test/c.js', 'README.md'])).toBe('TypeScript');
    expect(guessLanguage(['main.go', 'tasks/TASK-1.md', 'x.py', 'y.go'])).toBe('Go');
    expect(guessLanguage(['README.md'])).toBeUndefined();
  });

  it('cuts an excerpt at a line end within the bound', () => {
    const text = Array.from({ length: 200 }, (_, i) => `line ${i}`).join('\n');
    const e = excerpt(text, 100);
    expect(e.length).toBeLessThanOrEqual(100 + '\n… (excerpt)'.length);
    expect(e.endsWith('\n… (excerpt)')).toBe(true);
    expect(
      e
        .split('\n')
        .slice(0, -1)
        .every((l) => /^line \d+$/.test(l)),
    ).toBe(true);
    expect(excerpt('short\n')).toBe('short');
  });

  it('reads README and CONTRIBUTING excerpts (never through a symlink out), from the worktree or the commit, and states them with the rules', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-conv-'));
    const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-conv-out-'));
    fs.mkdirSync(path.join(root, 'src'));
    fs.writeFileSync(path.join(root, 'src/a.py'), '');
    fs.writeFileSync(path.join(root, 'README.md'), '# Widget\nUse snake_case.\n' + 'filler line\n'.repeat(500));
    fs.writeFileSync(path.join(outside, 'CONTRIBUTING.md'), 'SECRET');
    fs.symlinkSync(path.join(outside, 'CONTRIBUTING.md'), path.join(root, 'CONTRIBUTING.md'));
    const c = readConventions(root);
    // Read from the commit instead of the worktree: the same conventions (the symlink is in git as a link, never read).
    const git = (...a: string[]) => execFileSync('git', a, { cwd: root }).toString().trim();
    git('init', '-q');
    git('add', '-A');
    git('-c', 'user.name=T', '-c', 'user.email=t@x', 'commit', '-qm', 'c');
    expect(await readConventionsAt(root, git('rev-parse', 'HEAD'))).toEqual(c);
    expect(c.language).toBe('Python');
    expect(c.docs?.map((d) => d.name)).toEqual(['README.md']);
    expect(c.docs![0].excerpt.length).toBeLessThanOrEqual(2_100);

    const s = systemPrompt('pytest -q', c, { search: true, runTests: true });
    expect(s).toContain('Main language: Python');
    expect(s).toContain('`pytest -q`');
    expect(s).toContain('Use snake_case.');
    expect(s).toContain('Change only the files the task needs');
    expect(s).toContain('Keep behaviour the same');
    expect(s).toContain('add no new dependencies');
    expect(s).toContain('- search:');
    expect(s).toContain('- run_tests:');
    expect(s).not.toContain('SECRET');
    expect(systemPrompt('npm test')).not.toContain('run_tests');
  });

  it('puts the task file and any test feedback in the user prompt', () => {
    const p = taskPrompt('TASK-0001', 'id: TASK-0001\n', 'FAIL x');
    expect(p).toContain('<task_file>\nid: TASK-0001\n</task_file>');
    expect(p).toContain('<test_output>\nFAIL x\n</test_output>');
  });
});

describe('the shared system prompt and the cannot: exit (issue 25)', () => {
  const { agentSystemPrompt, cannotReason } =
    require('../../activities/agent/prompt/agent-system-prompt') as typeof import('../../activities/agent/prompt/agent-system-prompt');
  it('is the same for every call and carries the rules, the method and the exit', () => {
    expect(agentSystemPrompt()).toBe(agentSystemPrompt());
    for (const part of [
      '# How to work',
      "# The gate's rules",
      'Test expectations',
      'cannot: <one sentence saying why>',
      'create: makes a NEW file',
    ])
      expect(agentSystemPrompt()).toContain(part);
    // Long enough, with the tools, to cross Haiku 4.5's 4,096-token cache minimum (about 4 characters a token).
    expect(agentSystemPrompt().length).toBeGreaterThan(12_000);
  });
  it('reads a reason from a final reply whose first line starts with cannot:', () => {
    expect(cannotReason('cannot: parseDate is used in src/report.ts')).toBe('parseDate is used in src/report.ts');
    expect(cannotReason('**Cannot:** nothing to do')).toBe('nothing to do');
    expect(cannotReason('Cannot:\nthe file is generated')).toBe('the file is generated');
    expect(cannotReason('I changed it. cannot: is mentioned later')).toBeUndefined();
  });
});
