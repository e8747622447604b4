import { taskPrompt } from '../../activities/agent/agent-prompt';
import { conventionalResearch, MAX_NOTE_CHARS, parseResearch } from '../../planner/research';

const DOC = [
  '# Task Execution Research',
  '',
  '## Summary',
  'Forty-three tasks; TASK-0009 is mentioned here in passing and gets no note from this line.',
  '',
  '## TASK-0001: Document add',
  'Low risk. `add` is exported twice; document the exported one.',
  '### Tests',
  'node --test test/math.test.js covers it.',
  '',
  '## Findings by task',
  '- TASK-0002: upper() is also used by shout.js',
  '  (keep its signature)',
  '- TASK-0003 touches the same file as TASK-0001',
  '',
  '| Task | Files | Risk |',
  '|---|---|---|',
  '| TASK-0004 | src/math.js | medium |',
  '',
  '<task id="TASK-0006">',
  'Creates src/shout.js; depends on TASK-0002.',
  '</task>',
].join('\n');

describe('parseResearch', () => {
  const r = parseResearch('.prompts/001-r/research.md', DOC);

  it('finds the notes on each task: heading sections, list items, table rows, <task> blocks', () => {
    expect(Object.keys(r.notes).sort()).toEqual(['TASK-0001', 'TASK-0002', 'TASK-0003', 'TASK-0004', 'TASK-0006']);
    expect(r.notes['TASK-0001']).toContain('`add` is exported twice');
    expect(r.notes['TASK-0001']).toContain('covers it'); // a deeper heading stays in its task's section
    expect(r.notes['TASK-0001']).not.toContain('Findings by task');
    expect(r.notes['TASK-0002']).toBe('- TASK-0002: upper() is also used by shout.js\n  (keep its signature)');
    expect(r.notes['TASK-0004']).toBe('| TASK-0004 | src/math.js | medium |');
    expect(r.notes['TASK-0006']).toBe('Creates src/shout.js; depends on TASK-0002.');
    expect(r.path).toBe('.prompts/001-r/research.md');
  });

  it('names the file and the reason when the document cannot be used', () => {
    expect(() => parseResearch('r.md', '   \n')).toThrow('research document r.md cannot be used: it is empty');
    expect(() => parseResearch('r.md', 'ab\u0000cd')).toThrow(
      'research document r.md cannot be used: it is not UTF-8 text',
    );
    expect(() => parseResearch('r.md', 'x\n<task id="TASK-0001">\nno end')).toThrow(
      'research document r.md cannot be used: <task id="TASK-0001"> on line 2 is never closed by </task>',
    );
  });

  it('cuts a very long note', () => {
    const long = parseResearch('r.md', `## TASK-0001\n${'x'.repeat(MAX_NOTE_CHARS * 2)}`);
    expect(long.notes['TASK-0001'].length).toBeLessThan(MAX_NOTE_CHARS + 200);
  });

  it('finds the document by the prompts-folder convention', () => {
    expect(
      conventionalResearch([
        '.prompts/002-plan/task-execution-plan.md',
        '.prompts/001-task-execution-research/task-execution-research.md',
        'docs/research.md',
      ]),
    ).toBe('.prompts/001-task-execution-research/task-execution-research.md');
    expect(conventionalResearch(['.prompts/002-plan/plan.md'])).toBeUndefined();
  });

  it("reaches the agent: the task's notes go in its prompt, after the task file", () => {
    const prompt = taskPrompt('TASK-0001', 'the task file', undefined, 'tests', r.notes['TASK-0001']);
    expect(prompt).toMatch(
      /<\/task_file>\n\nNotes on this task from the research[^\n]*\n<research_notes>\n## TASK-0001: Document add\n/,
    );
    expect(taskPrompt('TASK-0001', 'the task file')).not.toContain('research');
  });
});
