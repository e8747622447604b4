import * as fs from 'node:fs';
import * as path from 'node:path';
import type { RepoConventions } from './agent-prompt';
import { listFiles } from '../git/worktree-files';
import { Git } from '../git/git-process';

const DOCS = [
  ['README.md', 'README.rst', 'README.txt', 'README'],
  ['CONTRIBUTING.md', '.github/CONTRIBUTING.md', 'docs/CONTRIBUTING.md', 'CONTRIBUTING'],
];

const LANGUAGES: Record<string, string> = {
  ts: 'TypeScript',
  tsx: 'TypeScript',
  mts: 'TypeScript',
  cts: 'TypeScript',
  js: 'JavaScript',
  jsx: 'JavaScript',
  mjs: 'JavaScript',
  cjs: 'JavaScript',
  py: 'Python',
  go: 'Go',
  rs: 'Rust',
  java: 'Java',
  kt: 'Kotlin',
  rb: 'Ruby',
  php: 'PHP',
  cs: 'C#',
  c: 'C',
  h: 'C',
  cc: 'C++',
  cpp: 'C++',
  hpp: 'C++',
  swift: 'Swift',
  scala: 'Scala',
  sh: 'Shell',
  ex: 'Elixir',
  exs: 'Elixir',
};

/** At most `max` characters, cut at a line end. */
export function excerpt(text: string, max = 2_000): string {
  const t = text.trim();
  if (t.length <= max) return t;
  const cut = t.slice(0, max);
  const end = cut.lastIndexOf('\n');
  return `${end > max / 2 ? cut.slice(0, end) : cut}\n… (excerpt)`;
}

/** The most common source language among `files`, or undefined. Ties go to the name first in the alphabet. */
export function guessLanguage(files: string[]): string | undefined {
  const counts = new Map<string, number>();
  for (const f of files) {
    if (f.startsWith('tasks/')) continue;
    const lang = LANGUAGES[path.extname(f).slice(1).toLowerCase()];
    if (lang) counts.set(lang, (counts.get(lang) ?? 0) + 1);
  }
  return [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]?.[0];
}

/** A regular file inside `root` (no symlink out of the worktree), or null. */
function readRegular(root: string, rel: string): string | null {
  try {
    const abs = path.join(root, rel);
    const inside = fs.realpathSync(abs).startsWith(fs.realpathSync(root) + path.sep);
    return inside && fs.lstatSync(abs).isFile() ? fs.readFileSync(abs, 'utf8') : null;
  } catch {
    return null;
  }
}

/** The conventions the agent's system prompt states: language, README and CONTRIBUTING excerpts. */
export function readConventions(worktree: string, maxChars = 2_000): RepoConventions {
  const docs: { name: string; excerpt: string }[] = [];
  for (const names of DOCS) {
    for (const name of names) {
      const text = readRegular(worktree, name);
      if (text?.trim()) {
        docs.push({ name: path.basename(name), excerpt: excerpt(text, maxChars) });
        break;
      }
    }
  }
  return { language: guessLanguage(listFiles(worktree, 5_000)), docs };
}

/**
 * The same conventions read from the commit `sha` itself (its tree, no worktree needed), so the agent's first
 * request can go out while its worktree is still being prepared. Symlinks (mode 120000) are never read.
 */
export async function readConventionsAt(repoPath: string, sha: string, maxChars = 2_000): Promise<RepoConventions> {
  const git = new Git(repoPath);
  const files = new Map<string, string>(); // path -> blob, regular files only
  for (const entry of (await git.raw(['ls-tree', '-r', '-z', '--full-tree', sha])).split('\0')) {
    const m = /^(100644|100755) blob ([0-9a-f]+)\t(.+)$/s.exec(entry);
    if (m) files.set(m[3], m[2]);
  }
  const docs: { name: string; excerpt: string }[] = [];
  for (const names of DOCS) {
    const name = names.find((n) => files.has(n));
    const text = name ? await git.raw(['cat-file', 'blob', files.get(name)!]).catch(() => '') : '';
    if (name && text.trim()) docs.push({ name: path.basename(name), excerpt: excerpt(text, maxChars) });
  }
  const listed = [...files.keys()].filter((f) => !f.split('/').some((part) => part === 'node_modules')).slice(0, 5_000);
  return { language: guessLanguage(listed), docs };
}
