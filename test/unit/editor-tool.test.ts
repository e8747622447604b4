import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { EDITOR_TOOL, WorktreeEditor } from '../../activities/agent/editor-tool';

describe('WorktreeEditor', () => {
  let root: string;
  let outside: string;
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-editor-'));
    outside = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-outside-'));
    fs.mkdirSync(path.join(root, 'src'));
    fs.mkdirSync(path.join(root, '.git'));
    fs.writeFileSync(path.join(root, 'src/a.ts'), 'one\ntwo\nthree\n');
    fs.writeFileSync(path.join(outside, 'secret.txt'), 'secret');
    fs.symlinkSync(outside, path.join(root, 'escape'));
  });

  it('views with line numbers, replaces exactly one match and records the edit', () => {
    const e = new WorktreeEditor(root);
    expect(e.run({ command: 'view', path: 'src/a.ts' }).content).toBe('     1\tone\n     2\ttwo\n     3\tthree\n     4\t');
    expect(e.run({ command: 'str_replace', path: 'src/a.ts', old_str: 'two', new_str: '2' }).isError).toBe(false);
    expect(fs.readFileSync(path.join(root, 'src/a.ts'), 'utf8')).toBe('one\n2\nthree\n');
    expect([...e.edited]).toEqual(['src/a.ts']);
  });

  it('refuses ambiguous and missing matches', () => {
    const e = new WorktreeEditor(root);
    fs.writeFileSync(path.join(root, 'src/b.ts'), 'x\nx\n');
    expect(e.run({ command: 'str_replace', path: 'src/b.ts', old_str: 'x', new_str: 'y' }).content).toContain('Found 2 matches');
    expect(e.run({ command: 'str_replace', path: 'src/b.ts', old_str: 'zzz', new_str: 'y' }).content).toContain('No match');
    expect(e.edited.size).toBe(0);
  });

  it('inserts with insert_text or new_str and creates files', () => {
    const e = new WorktreeEditor(root);
    e.run({ command: 'insert', path: 'src/a.ts', insert_line: 0, insert_text: 'zero' });
    e.run({ command: 'insert', path: 'src/a.ts', insert_line: 2, new_str: 'half' });
    expect(fs.readFileSync(path.join(root, 'src/a.ts'), 'utf8')).toBe('zero\none\nhalf\ntwo\nthree\n');
    e.run({ command: 'create', path: 'src/new/c.ts', file_text: 'c\n' });
    expect(fs.readFileSync(path.join(root, 'src/new/c.ts'), 'utf8')).toBe('c\n');
  });

  it.each([
    ['../x.ts', 'outside the repository'],
    ['/etc/passwd', 'outside the repository'],
    ['escape/secret.txt', 'through a symlink'],
    ['.git/config', 'inside .git'],
  ])('refuses %s', (p, why) => {
    const e = new WorktreeEditor(root);
    const r = e.run({ command: 'create', path: p, file_text: 'pwned' });
    expect(r.isError).toBe(true);
    expect(r.content).toContain(why);
    expect(fs.readFileSync(path.join(outside, 'secret.txt'), 'utf8')).toBe('secret');
  });

  it('accepts an absolute path inside the worktree', () => {
    const e = new WorktreeEditor(root);
    expect(e.run({ command: 'view', path: path.join(root, 'src/a.ts') }).isError).toBe(false);
  });

  it('is the Claude 4 text editor tool, without undo_edit', () => {
    expect(EDITOR_TOOL).toEqual({ type: 'text_editor_20250728', name: 'str_replace_based_edit_tool' });
    const r = new WorktreeEditor(root).run({ command: 'undo_edit', path: 'src/a.ts' });
    expect(r).toEqual({ content: 'Error: unknown command undo_edit; use view, create, str_replace or insert', isError: true });
  });

  it('reports missing inputs as errors the model can act on', () => {
    const e = new WorktreeEditor(root);
    expect(e.run({ command: 'str_replace', path: 'src/a.ts', new_str: 'x' })).toEqual({ content: 'Error: str_replace needs old_str', isError: true });
    expect(e.run({ command: 'create', path: 'src/c.ts' })).toEqual({ content: 'Error: create needs file_text', isError: true });
    expect(e.run({ command: 'insert', path: 'src/a.ts', insert_line: 1 })).toEqual({ content: 'Error: insert needs insert_text', isError: true });
    expect(e.run({ command: 'view' })).toEqual({ content: 'Error: path is required', isError: true });
    expect(e.edited.size).toBe(0);
  });
});
