import type Anthropic from '@anthropic-ai/sdk';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readTextSafeSync, UnreadableFile } from '../safe-read';
import { editResult, lineAt, lineSpan, matchLines, numberedSnippet } from './tool-output/edit-snippet';

/** Input of Anthropic's text editor tool (text_editor_20250728, name str_replace_based_edit_tool). */
export interface EditorInput {
  command?: string;
  path?: string;
  view_range?: [number, number];
  old_str?: string;
  new_str?: string;
  file_text?: string;
  insert_line?: number;
  insert_text?: string;
}

export interface ToolOutcome {
  content: string;
  isError: boolean;
}

const MAX_VIEW_CHARS = 40_000;
const MAX_LINKS = 40;
/** The largest file the editor reads. */
const MAX_READ_BYTES = 8 * 1024 * 1024;

/** A file's text: a regular file only, of bounded size (never a FIFO or a device, see safe-read.ts). */
function readText(abs: string, rel: string): string {
  try {
    return readTextSafeSync(abs, MAX_READ_BYTES);
  } catch (err) {
    throw err instanceof UnreadableFile ? new Error(`${rel} ${err.why}`) : err;
  }
}

/** True when a repo-relative path has a `.git` component, in any letter case. */
function touchesGit(rel: string): boolean {
  return rel.split(/[\\/]+/).some((c) => c.toLowerCase() === '.git');
}

function isSymlink(abs: string): boolean {
  try {
    return fs.lstatSync(abs).isSymbolicLink();
  } catch {
    return false;
  }
}

/**
 * The real location of an absolute path: every symlink on it followed (lstat + readlink, so a dangling link
 * counts as where it points), `..` applied to the real directory reached so far, and components that do not
 * exist yet taken as they are. Unlike fs.realpath it works for paths that do not exist.
 */
export function realLocation(abs: string): string {
  const pending = abs.split(path.sep).filter(Boolean).reverse();
  let current = path.parse(abs).root;
  let links = 0;
  while (pending.length) {
    const part = pending.pop()!;
    if (part === '.') continue;
    if (part === '..') {
      current = path.dirname(current);
      continue;
    }
    const next = path.join(current, part);
    let st: fs.Stats;
    try {
      st = fs.lstatSync(next);
    } catch {
      // Does not exist: the rest is taken literally (still applying any later "..").
      current = next;
      continue;
    }
    if (!st.isSymbolicLink()) {
      current = next;
      continue;
    }
    if (++links > MAX_LINKS) throw new Error('too many levels of symbolic links');
    const target = fs.readlinkSync(next);
    if (path.isAbsolute(target)) current = path.parse(target).root;
    pending.push(...target.split(path.sep).filter(Boolean).reverse());
  }
  return current;
}

/** Writes a file without following a symlink at its final component (O_NOFOLLOW where the platform has it). */
function writeNoFollow(abs: string, text: string): void {
  const flags = fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_TRUNC | (fs.constants.O_NOFOLLOW ?? 0);
  const fd = fs.openSync(abs, flags, 0o644);
  try {
    fs.writeFileSync(fd, text);
  } finally {
    fs.closeSync(fd);
  }
}

/** Anthropic's text editor tool for Claude 4.x: built into the model, so it has no input schema. */
export const EDITOR_TOOL: Anthropic.ToolTextEditor20250728 = {
  type: 'text_editor_20250728',
  name: 'str_replace_based_edit_tool',
};

/**
 * The text editor tool, confined to one worktree: paths that leave it (.., absolute paths elsewhere,
 * symlinks out) or enter .git are refused with an error the model can read. Records every file it changed.
 */
export class WorktreeEditor {
  readonly edited = new Set<string>();
  private readonly realRoot: string;

  constructor(private readonly root: string) {
    this.realRoot = fs.realpathSync(root);
  }

  /**
   * Repo-relative path for a model-supplied path, or an error message. The path's real location (every
   * symlink followed, a dangling one included, see realLocation) must lie inside the worktree and outside
   * any `.git` (compared case-insensitively: `.GIT/config` is the same file on a case-insensitive disk).
   * With `write`, no component of the path may be a symlink at all: writes go to the path as named.
   */
  resolve(p: unknown, opts: { write?: boolean } = {}): { rel: string; abs: string } | { error: string } {
    if (typeof p !== 'string' || !p.trim()) return { error: 'path is required' };
    if (p.includes('\0')) return { error: 'path contains a NUL character' };
    let candidate = p.trim();
    if (path.isAbsolute(candidate)) {
      const inside = [this.root, this.realRoot].find((r) => candidate === r || candidate.startsWith(r + path.sep));
      if (!inside) return { error: `${p} is outside the repository; use a path relative to the repository root` };
      candidate = path.relative(inside, candidate) || '.';
    }
    const abs = path.resolve(this.realRoot, candidate);
    const rel = path.relative(this.realRoot, abs);
    if (rel.startsWith('..') || path.isAbsolute(rel)) return { error: `${p} is outside the repository` };
    if (touchesGit(rel)) return { error: `${p} is inside .git, which is off limits` };
    let real: string;
    try {
      real = realLocation(abs);
    } catch (err) {
      return { error: `${p} cannot be resolved: ${(err as Error).message}` };
    }
    const realRel = path.relative(this.realRoot, real);
    if (realRel.startsWith('..') || path.isAbsolute(realRel))
      return { error: `${p} leads outside the repository through a symlink` };
    if (touchesGit(realRel)) return { error: `${p} leads inside .git through a symlink, which is off limits` };
    if (opts.write && real !== abs)
      return { error: `${p} goes through a symlink; edit the file it points to by its own path` };
    if (opts.write && isSymlink(abs)) return { error: `${p} is a symlink; edit the file it points to by its own path` };
    return { rel: rel || '.', abs };
  }

  run(input: EditorInput): ToolOutcome {
    try {
      return this.dispatch(input);
    } catch (err) {
      return { content: `Error: ${(err as Error).message}`, isError: true };
    }
  }

  private dispatch(input: EditorInput): ToolOutcome {
    const write = input.command === 'create' || input.command === 'str_replace' || input.command === 'insert';
    const where = this.resolve(input.path, { write });
    if ('error' in where) return { content: `Error: ${where.error}`, isError: true };
    const { rel, abs } = where;
    switch (input.command) {
      case 'view':
        return this.view(rel, abs, input.view_range);
      case 'create': {
        if (typeof input.file_text !== 'string') return { content: 'Error: create needs file_text', isError: true };
        if (fs.existsSync(abs)) {
          const what = fs.statSync(abs).isDirectory() ? 'a folder' : 'a file';
          return {
            content: `Error: ${rel} already exists (${what}); create only makes new files and never overwrites. To change it, view it and use str_replace or insert; to add a new file, choose a path that does not exist.`,
            isError: true,
          };
        }
        fs.mkdirSync(path.dirname(abs), { recursive: true });
        writeNoFollow(abs, input.file_text);
        this.edited.add(rel);
        return {
          content: editResult(
            `Created ${rel} (${lineSpan(input.file_text)} line${lineSpan(input.file_text) === 1 ? '' : 's'})`,
            rel,
            numberedSnippet(input.file_text, 1, Math.min(lineSpan(input.file_text), 8), 0),
          ),
          isError: false,
        };
      }
      case 'str_replace': {
        if (!fs.existsSync(abs)) return { content: `Error: ${rel} does not exist`, isError: true };
        if (typeof input.old_str !== 'string' || !input.old_str)
          return { content: 'Error: str_replace needs old_str', isError: true };
        const text = readText(abs, rel);
        const count = text.split(input.old_str).length - 1;
        if (count === 0)
          return {
            content: `Error: No match found for replacement text in ${rel}. Check whitespace and indentation, or view the file first.`,
            isError: true,
          };
        if (count > 1) {
          const at = matchLines(text, input.old_str);
          return {
            content: `Error: Found ${count} matches for replacement text in ${rel}, starting on lines ${at.join(', ')}. Include more surrounding lines in old_str so it matches exactly one of them.`,
            isError: true,
          };
        }
        const newStr = input.new_str ?? '';
        const first = lineAt(text, text.indexOf(input.old_str));
        const after = text.replace(input.old_str, () => newStr);
        writeNoFollow(abs, after);
        this.edited.add(rel);
        const last = first + (newStr ? lineSpan(newStr) - 1 : 0);
        return {
          content: editResult(
            `Replaced lines ${first}-${first + lineSpan(input.old_str) - 1} of ${rel}`,
            rel,
            numberedSnippet(after, first, last),
          ),
          isError: false,
        };
      }
      case 'insert': {
        if (!fs.existsSync(abs)) return { content: `Error: ${rel} does not exist`, isError: true };
        const insertText = input.insert_text ?? input.new_str;
        if (typeof insertText !== 'string') return { content: 'Error: insert needs insert_text', isError: true };
        const lines = readText(abs, rel).split('\n');
        const at = Number(input.insert_line);
        if (!Number.isInteger(at) || at < 0 || at > lines.length) {
          return { content: `Error: insert_line must be between 0 and ${lines.length}`, isError: true };
        }
        const added = insertText.replace(/\n$/, '').split('\n');
        lines.splice(at, 0, ...added);
        const after = lines.join('\n');
        writeNoFollow(abs, after);
        this.edited.add(rel);
        return {
          content: editResult(
            `Inserted ${added.length} line${added.length === 1 ? '' : 's'} after line ${at} of ${rel}`,
            rel,
            numberedSnippet(after, at + 1, at + added.length),
          ),
          isError: false,
        };
      }
      default:
        return {
          content: `Error: unknown command ${String(input.command)}; use view, create, str_replace or insert`,
          isError: true,
        };
    }
  }

  private view(rel: string, abs: string, range?: [number, number]): ToolOutcome {
    if (!fs.existsSync(abs)) return { content: `Error: ${rel} does not exist`, isError: true };
    if (fs.statSync(abs).isDirectory()) {
      const entries = fs
        .readdirSync(abs, { withFileTypes: true })
        .filter((e) => e.name !== '.git' && e.name !== 'node_modules')
        .map((e) => (e.isDirectory() ? `${e.name}/` : e.name))
        .sort();
      return { content: entries.join('\n'), isError: false };
    }
    // The path was resolved inside the worktree through its links: read where it leads, without following any more.
    const lines = readText(fs.realpathSync(abs), rel).split('\n');
    const [from, to] = range ? [Math.max(1, range[0]), range[1] === -1 ? lines.length : range[1]] : [1, lines.length];
    const shown = lines
      .slice(from - 1, to)
      .map((l, i) => `${String(from + i).padStart(6)}\t${l}`)
      .join('\n');
    return {
      content:
        shown.length > MAX_VIEW_CHARS ? shown.slice(0, MAX_VIEW_CHARS) + '\n… (truncated; use view_range)' : shown,
      isError: false,
    };
  }
}
