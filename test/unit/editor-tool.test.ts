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
    expect(e.run({ command: 'view', path: 'src/a.ts' }).content).toBe(
      '     1\tone\n     2\ttwo\n     3\tthree\n     4\t',
    );
    expect(e.run({ command: 'str_replace', path: 'src/a.ts', old_str: 'two', new_str: '2' }).isError).toBe(false);
    expect(fs.readFileSync(path.join(root, 'src/a.ts'), 'utf8')).toBe('one\n2\nthree\n');
    expect([...e.edited]).toEqual(['src/a.ts']);
  });

  it('refuses ambiguous and missing matches', () => {
    const e = new WorktreeEditor(root);
    fs.writeFileSync(path.join(root, 'src/b.ts'), 'x\nx\n');
    expect(e.run({ command: 'str_replace', path: 'src/b.ts', old_str: 'x', new_str: 'y' }).content).toContain(
      'Found 2 matches',
    );
    expect(e.run({ command: 'str_replace', path: 'src/b.ts', old_str: 'zzz', new_str: 'y' }).content).toContain(
      'No match',
    );
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
    expect(r).toEqual({
      content: 'Error: unknown command undo_edit; use view, create, str_replace or insert',
      isError: true,
    });
  });

  it('reports missing inputs as errors the model can act on', () => {
    const e = new WorktreeEditor(root);
    expect(e.run({ command: 'str_replace', path: 'src/a.ts', new_str: 'x' })).toEqual({
      content: 'Error: str_replace needs old_str',
      isError: true,
    });
    expect(e.run({ command: 'create', path: 'src/c.ts' })).toEqual({
      content: 'Error: create needs file_text',
      isError: true,
    });
    expect(e.run({ command: 'insert', path: 'src/a.ts', insert_line: 1 })).toEqual({
      content: 'Error: insert needs insert_text',
      isError: true,
    });
    expect(e.run({ command: 'view' })).toEqual({ content: 'Error: path is required', isError: true });
    expect(e.edited.size).toBe(0);
  });

  describe('symlinks and .git (issue 11)', () => {
    const target = () => path.join(outside, 'dangling-target.txt');

    it('refuses to create through a committed dangling symlink that points out of the tree', () => {
      fs.symlinkSync(target(), path.join(root, 'dangling'));
      const e = new WorktreeEditor(root);
      const r = e.run({ command: 'create', path: 'dangling', file_text: 'pwned' });
      expect(r.isError).toBe(true);
      expect(r.content).toContain('outside the repository');
      expect(fs.existsSync(target())).toBe(false);
      expect(e.edited.size).toBe(0);
    });

    it('refuses a chain of dangling links, relative ones and ".." included', () => {
      fs.mkdirSync(path.join(root, 'deep'));
      fs.symlinkSync('../hop2', path.join(root, 'deep', 'hop1'));
      fs.symlinkSync(path.relative(root, target()), path.join(root, 'hop2'));
      const r = new WorktreeEditor(root).run({ command: 'create', path: 'deep/hop1', file_text: 'pwned' });
      expect(r.isError).toBe(true);
      expect(fs.existsSync(target())).toBe(false);
    });

    it('refuses a symlink into .git, and .git in any letter case', () => {
      fs.writeFileSync(path.join(root, '.git', 'config'), '[core]\n');
      fs.symlinkSync('.git', path.join(root, 'gitdir'));
      fs.symlinkSync('.git/config', path.join(root, 'gitconfig'));
      const e = new WorktreeEditor(root);
      for (const p of [
        'gitdir/config',
        'gitconfig',
        '.GIT/config',
        'src/../.Git/hooks/pre-commit',
        'sub/.git/config',
      ]) {
        const r = e.run({ command: 'create', path: p, file_text: '[core]\n\tfsmonitor = touch /tmp/pwned\n' });
        expect(r.isError).toBe(true);
        expect(r.content).toContain('.git');
      }
      expect(e.run({ command: 'view', path: 'gitconfig' }).isError).toBe(true);
      expect(fs.readFileSync(path.join(root, '.git', 'config'), 'utf8')).toBe('[core]\n');
    });

    it('refuses a worktree whose .git is a pointer file, reached through a link', () => {
      const wt = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-editor-wt-'));
      fs.writeFileSync(path.join(wt, '.git'), 'gitdir: /somewhere\n');
      fs.symlinkSync('.git', path.join(wt, 'pointer'));
      const r = new WorktreeEditor(wt).run({ command: 'create', path: 'pointer', file_text: 'gitdir: /tmp/evil\n' });
      expect(r.isError).toBe(true);
      expect(fs.readFileSync(path.join(wt, '.git'), 'utf8')).toBe('gitdir: /somewhere\n');
    });

    it('refuses a link out of the tree for reads and writes, and writes through any link', () => {
      fs.symlinkSync(path.join(outside, 'secret.txt'), path.join(root, 'secret-link'));
      fs.symlinkSync('src/a.ts', path.join(root, 'inner-link'));
      fs.symlinkSync('src', path.join(root, 'srclink'));
      const e = new WorktreeEditor(root);
      expect(e.run({ command: 'view', path: 'secret-link' }).content).toContain('outside the repository');
      expect(e.run({ command: 'str_replace', path: 'secret-link', old_str: 'secret', new_str: 'x' }).isError).toBe(
        true,
      );
      // Inside the tree a link may be read, never written through.
      expect(e.run({ command: 'view', path: 'inner-link' }).isError).toBe(false);
      expect(e.run({ command: 'str_replace', path: 'inner-link', old_str: 'two', new_str: '2' }).content).toContain(
        'symlink',
      );
      expect(e.run({ command: 'create', path: 'srclink/new.ts', file_text: 'x' }).content).toContain('symlink');
      expect(fs.readFileSync(path.join(outside, 'secret.txt'), 'utf8')).toBe('secret');
      expect(fs.readFileSync(path.join(root, 'src/a.ts'), 'utf8')).toBe('one\ntwo\nthree\n');
      expect(e.edited.size).toBe(0);
    });

    it('refuses a symlink loop', () => {
      fs.symlinkSync('loop2', path.join(root, 'loop1'));
      fs.symlinkSync('loop1', path.join(root, 'loop2'));
      expect(new WorktreeEditor(root).run({ command: 'create', path: 'loop1', file_text: 'x' }).isError).toBe(true);
    });
  });
});

describe('edit results that show the edit (issue 25)', () => {
  let root: string;
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-editor-results-'));
    const lines = Array.from({ length: 20 }, (_, i) => `line ${i + 1}`);
    fs.writeFileSync(path.join(root, 'f.ts'), lines.join('\n') + '\n');
  });

  it('str_replace answers with the changed lines, numbered, and four lines around them', () => {
    const r = new WorktreeEditor(root).run({
      command: 'str_replace',
      path: 'f.ts',
      old_str: 'line 10\n',
      new_str: 'ten\nten and a half\n',
    });
    expect(r.isError).toBe(false);
    expect(r.content).toContain('Replaced lines 10-10 of f.ts');
    expect(r.content).toContain(
      '     6\tline 6\n     7\tline 7\n     8\tline 8\n     9\tline 9\n    10\tten\n    11\tten and a half\n    12\tline 11\n',
    );
    expect(r.content).toContain('    15\tline 14\n');
    expect(r.content).not.toContain('\tline 5\n');
    expect(r.content).not.toContain('\tline 15\n');
  });

  it('insert answers with the inserted lines in place', () => {
    const r = new WorktreeEditor(root).run({
      command: 'insert',
      path: 'f.ts',
      insert_line: 2,
      insert_text: 'new a\nnew b\n',
    });
    expect(r.content).toContain('Inserted 2 lines after line 2 of f.ts');
    expect(r.content).toContain('     2\tline 2\n     3\tnew a\n     4\tnew b\n     5\tline 3\n');
  });

  it('duplicate matches are refused with the line each one starts on', () => {
    fs.writeFileSync(path.join(root, 'd.ts'), 'a\nx = 1\nb\nx = 1\nc\nx = 1\n');
    const e = new WorktreeEditor(root);
    const r = e.run({ command: 'str_replace', path: 'd.ts', old_str: 'x = 1', new_str: 'x = 2' });
    expect(r).toEqual({
      content: expect.stringContaining('Found 3 matches for replacement text in d.ts, starting on lines 2, 4, 6.'),
      isError: true,
    });
    expect(fs.readFileSync(path.join(root, 'd.ts'), 'utf8')).toBe('a\nx = 1\nb\nx = 1\nc\nx = 1\n');
    expect(e.edited.size).toBe(0);
  });

  it('create refuses to overwrite an existing file or folder and says what to do instead', () => {
    const e = new WorktreeEditor(root);
    const r = e.run({ command: 'create', path: 'f.ts', file_text: 'gone\n' });
    expect(r.isError).toBe(true);
    expect(r.content).toContain('f.ts already exists (a file); create only makes new files and never overwrites');
    expect(r.content).toContain('use str_replace or insert');
    expect(fs.readFileSync(path.join(root, 'f.ts'), 'utf8')).toMatch(/^line 1\n/);
    fs.mkdirSync(path.join(root, 'dir'));
    expect(e.run({ command: 'create', path: 'dir', file_text: 'x' }).content).toContain(
      'dir already exists (a folder)',
    );
    expect(e.edited.size).toBe(0);
  });

  it('create answers with the start of the new file', () => {
    const r = new WorktreeEditor(root).run({ command: 'create', path: 'src/n.ts', file_text: 'export const n = 1;\n' });
    expect(r).toEqual({ content: expect.stringContaining('Created src/n.ts (1 line)'), isError: false });
    expect(r.content).toContain('     1\texport const n = 1;');
  });
});
