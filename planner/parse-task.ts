import { parse as parseYaml } from 'yaml';
import { repoRelative } from './paths';
import { type ChangeBlock, RISKS, type Risk, type Task, type TaskFile, type TaskProblem } from './types';

export type ParsedTaskFile = { ok: true; task: Task } | { ok: false; problem: TaskProblem };

const FRONT_MATTER = /^---\r?\n([\s\S]*?)\r?\n---[ \t]*(?:\r?\n|$)/;
const ID_PATTERN = /^[A-Za-z][A-Za-z0-9_-]*$/;

function fail(file: string, reason: string, id?: string): ParsedTaskFile {
  return { ok: false, problem: { file, reason, ...(id ? { id } : {}) } };
}

function asStringList(value: unknown): string[] | null {
  if (value === undefined || value === null) return [];
  if (typeof value === 'string')
    return value
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  if (Array.isArray(value) && value.every((v) => typeof v === 'string' || typeof v === 'number')) {
    return value.map((v) => String(v).trim()).filter(Boolean);
  }
  return null;
}

/** The text of the markdown section headed `## <name>` (up to the next `## ` heading). */
export function section(body: string, name: string): string {
  const lines = body.split(/\r?\n/);
  const start = lines.findIndex((l) => new RegExp(`^##\\s+${name}\\b`, 'i').test(l));
  if (start < 0) return '';
  let end = lines.length;
  for (let i = start + 1; i < lines.length; i++) {
    if (/^##\s/.test(lines[i])) {
      end = i;
      break;
    }
  }
  return lines
    .slice(start + 1, end)
    .join('\n')
    .trim();
}

/**
 * The contents of the fenced code blocks in `body`: a line that starts with ``` or ~~~ (three or more) opens a
 * block, the next line that is exactly that fence (trailing blanks allowed) closes it; an opening fence that is
 * never closed is not a block (its text is read on), and a longer opening fence whose own length is never
 * closed is closed by a shorter one. The same blocks as the regular expression
 * /^(```+|~~~+)[^\n]*\n([\s\S]*?)^\1[ \t]*$/gm (lines end at any JavaScript line terminator, the opening line at
 * a "\n"), but in time linear in the text up to a log: each fence's closing lines are indexed once, where the
 * regular expression scans for a closing fence from every unclosed opening one, which is quadratic.
 */
export function fencedBlocks(body: string): string[] {
  // Line starts and ends as JavaScript's multiline ^ and $ see them.
  const starts: number[] = [0];
  for (let i = 0; i < body.length; i++) {
    const c = body.charCodeAt(i);
    if (c === 10 || c === 13 || c === 0x2028 || c === 0x2029) starts.push(i + 1);
  }
  const endOf = (k: number) => (k + 1 < starts.length ? starts[k + 1] - 1 : body.length);
  const closers = new Map<string, number[]>(); // fence character + length -> the start offsets of the lines that close it, ascending
  const closing = /^(`{3,}|~{3,})[ \t]*$/;
  for (let k = 0; k < starts.length; k++) {
    const c = body[starts[k]];
    if (c !== '`' && c !== '~') continue;
    const m = closing.exec(body.slice(starts[k], endOf(k)));
    if (!m) continue;
    const key = c + m[1].length;
    const list = closers.get(key);
    if (list) list.push(starts[k]);
    else closers.set(key, [starts[k]]);
  }
  const lengths = new Map<string, number[]>(); // '`' or '~' -> the lengths of its closing fences, longest first
  for (const key of closers.keys()) lengths.set(key[0], [...(lengths.get(key[0]) ?? []), Number(key.slice(1))]);
  for (const list of lengths.values()) list.sort((x, y) => y - x);
  /** The first line starting at or after `from` that closes `fence`, or -1. */
  const nextCloser = (key: string, from: number): number => {
    const list = closers.get(key);
    if (!list) return -1;
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (list[mid] >= from) hi = mid;
      else lo = mid + 1;
    }
    return lo < list.length ? list[lo] : -1;
  };
  const blocks: string[] = [];
  let newline = -1; // the last "\n" found, reused while the openers tried lie before it
  let after = 0; // the end of the last block: openers start after it
  for (let k = 0; k < starts.length; k++) {
    const s = starts[k];
    if (s < after) continue;
    const ch = body[s];
    if (ch !== '`' && ch !== '~') continue;
    let run = 0;
    while (s + run < body.length && body[s + run] === ch) run++;
    if (run < 3) continue;
    if (newline < s + run) newline = body.indexOf('\n', s + run);
    if (newline < 0) break; // no "\n" left: no line can open a block
    // The longest fence length with a closing line after the opening one (at most `run` lengths to try).
    let close = -1;
    let len = 0;
    for (const l of lengths.get(ch) ?? []) {
      if (l > run) continue;
      close = nextCloser(ch + l, newline + 1);
      len = l;
      if (close >= 0) break;
    }
    if (close < 0) continue;
    blocks.push(body.slice(newline + 1, close));
    after = close + len + 1;
  }
  return blocks;
}

/**
 * Reads SEARCH/REPLACE blocks from fenced code blocks. Each block is preceded by the file path
 * (on its own line, inside the fence); several blocks may share one fence and one path.
 */
export function parseChangeBlocks(body: string): { blocks: ChangeBlock[]; error?: string } {
  const blocks: ChangeBlock[] = [];
  for (const content of fencedBlocks(body)) {
    if (!content.includes('<<<<<<< SEARCH')) continue;
    const lines = content.split('\n');
    let currentPath: string | null = null;
    let i = 0;
    while (i < lines.length) {
      const line = lines[i];
      if (line.trim() === '<<<<<<< SEARCH') {
        if (!currentPath) return { blocks, error: 'a SEARCH block has no file path on the line before it' };
        const search: string[] = [];
        const replace: string[] = [];
        i++;
        while (i < lines.length && lines[i].trim() !== '=======') search.push(lines[i++]);
        if (i >= lines.length) return { blocks, error: `SEARCH block for ${currentPath} has no ======= line` };
        i++;
        while (i < lines.length && lines[i].trim() !== '>>>>>>> REPLACE') replace.push(lines[i++]);
        if (i >= lines.length) return { blocks, error: `SEARCH block for ${currentPath} has no >>>>>>> REPLACE line` };
        const rel = repoRelative(currentPath);
        if (!rel) return { blocks, error: `Change block path "${currentPath}" is outside the repository` };
        blocks.push({
          path: rel,
          search: search.length ? search.join('\n') + '\n' : '',
          replace: replace.length ? replace.join('\n') + '\n' : '',
        });
      } else if (line.trim() && !line.startsWith('>>>>>>>') && !line.startsWith('=======')) {
        currentPath = line.trim().replace(/^`|`$/g, '');
      }
      i++;
    }
  }
  return { blocks };
}

/** Parses one task file. Never throws: a problem comes back with the file name and the reason. */
export function parseTaskFile(file: TaskFile): ParsedTaskFile {
  const fm = FRONT_MATTER.exec(file.text);
  if (!fm) return fail(file.path, 'no YAML front matter (the file must start with a --- block)');
  let meta: unknown;
  try {
    meta = parseYaml(fm[1]);
  } catch (err) {
    // The YAML library's first line ends with ":" before a code frame; the line and column say enough.
    const msg = (err as Error).message.split('\n')[0].replace(/:\s*$/, '');
    return fail(file.path, `front matter is not valid YAML: ${msg}`);
  }
  if (!meta || typeof meta !== 'object' || Array.isArray(meta))
    return fail(file.path, 'front matter is not a YAML mapping');
  const m = meta as Record<string, unknown>;
  const id = typeof m.id === 'string' ? m.id.trim() : typeof m.id === 'number' ? String(m.id) : '';
  if (!id) return fail(file.path, 'front matter has no id');
  if (!ID_PATTERN.test(id)) return fail(file.path, `id "${id}" may only use letters, digits, "-" and "_"`, id);
  const title = typeof m.title === 'string' ? m.title.trim() : '';
  if (!title) return fail(file.path, 'front matter has no title', id);
  const risk = (typeof m.risk === 'string' ? m.risk.trim().toLowerCase() : 'medium') as Risk;
  if (!RISKS.includes(risk)) return fail(file.path, `risk "${String(m.risk)}" is not one of low, medium, high`, id);
  const category = typeof m.category === 'string' && m.category.trim() ? m.category.trim().toLowerCase() : 'other';
  const rawFiles = asStringList(m.files);
  if (rawFiles === null) return fail(file.path, 'files must be a list of paths', id);
  const files: string[] = [];
  for (const f of rawFiles) {
    const rel = repoRelative(f);
    if (!rel) return fail(file.path, `file "${f}" is outside the repository`, id);
    if (!files.includes(rel)) files.push(rel);
  }
  const deps = asStringList(m.depends_on ?? m.dependsOn);
  if (deps === null) return fail(file.path, 'depends_on must be a list of task ids', id);
  if (m.tests !== undefined && m.tests !== null && typeof m.tests !== 'string') {
    return fail(file.path, 'tests must be a shell command (a string)', id);
  }
  const body = file.text.slice(fm[0].length);
  const changes = parseChangeBlocks(body);
  if (changes.error) return fail(file.path, changes.error, id);
  const tests = typeof m.tests === 'string' && m.tests.trim() ? m.tests.trim() : undefined;
  return {
    ok: true,
    task: {
      id,
      title,
      category,
      risk,
      files,
      ...(tests ? { tests } : {}),
      dependsOn: deps,
      description: section(body, 'Description') || body.trim(),
      changes: changes.blocks,
      sourcePath: file.path,
    },
  };
}

/** Parses every task file; duplicate ids keep the first file (in path order) and report the others. */
export function parseTaskFiles(files: TaskFile[]): { tasks: Task[]; problems: TaskProblem[] } {
  const tasks: Task[] = [];
  const problems: TaskProblem[] = [];
  const seen = new Map<string, string>();
  for (const file of [...files].sort((a, b) => a.path.localeCompare(b.path))) {
    const r = parseTaskFile(file);
    if (!r.ok) {
      problems.push(r.problem);
      continue;
    }
    const first = seen.get(r.task.id);
    if (first) {
      problems.push({ file: file.path, id: r.task.id, reason: `duplicate id ${r.task.id} (already used by ${first})` });
      continue;
    }
    seen.set(r.task.id, file.path);
    tasks.push(r.task);
  }
  return { tasks, problems };
}
