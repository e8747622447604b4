// A unified diff (git diff) parsed into files, hunks and numbered lines. Pure.

export interface DiffLine {
  kind: '+' | '-' | ' ';
  text: string;
  /** Line number in the old file (removed and context lines). */
  oldLine?: number;
  /** Line number in the new file (added and context lines). */
  newLine?: number;
}

export interface FileDiff {
  /** Path after the change (before it, for a deleted file). */
  path: string;
  oldPath?: string;
  status: 'added' | 'modified' | 'deleted' | 'renamed';
  binary?: boolean;
  hunks: DiffLine[][];
}

const unquote = (p: string) => (p.startsWith('"') && p.endsWith('"') ? p.slice(1, -1) : p);
const strip = (p: string) => unquote(p.trim()).replace(/^[ab]\//, '');

/** Parses `git diff` output (no colour). Unknown lines are ignored. */
export function parseUnifiedDiff(text: string): FileDiff[] {
  const files: FileDiff[] = [];
  let file: FileDiff | null = null;
  let hunk: DiffLine[] | null = null;
  let oldNo = 0;
  let newNo = 0;
  for (const raw of text.split('\n')) {
    if (raw.startsWith('diff --git ')) {
      const m = /^diff --git (?:"?a\/)(.+?)"? (?:"?b\/)(.+?)"?$/.exec(raw);
      file = { path: m ? m[2] : raw.slice(11), status: 'modified', hunks: [] };
      if (m && m[1] !== m[2]) file.oldPath = m[1];
      files.push(file);
      hunk = null;
      continue;
    }
    if (!file) continue;
    if (!hunk || raw.startsWith('@@')) {
      if (raw.startsWith('new file mode')) file.status = 'added';
      else if (raw.startsWith('deleted file mode')) file.status = 'deleted';
      else if (raw.startsWith('rename from ')) {
        file.status = 'renamed';
        file.oldPath = strip(raw.slice(12));
      } else if (raw.startsWith('rename to ')) file.path = strip(raw.slice(10));
      else if (raw.startsWith('Binary files ')) file.binary = true;
      else if (raw.startsWith('+++ ') && !raw.startsWith('+++ /dev/null')) file.path = strip(raw.slice(4));
      const h = /^@@ -(\d+)(?:,\d+)? \+(\d+)(?:,\d+)? @@/.exec(raw);
      if (h) {
        oldNo = Number(h[1]);
        newNo = Number(h[2]);
        hunk = [];
        file.hunks.push(hunk);
      }
      continue;
    }
    const kind = raw[0];
    if (kind === '+') hunk.push({ kind: '+', text: raw.slice(1), newLine: newNo++ });
    else if (kind === '-') hunk.push({ kind: '-', text: raw.slice(1), oldLine: oldNo++ });
    else if (kind === ' ') hunk.push({ kind: ' ', text: raw.slice(1), oldLine: oldNo++, newLine: newNo++ });
    // "\ No newline at end of file" and anything else: ignored.
  }
  return files;
}

/** Lines added and removed in a file. */
export function changedLines(f: FileDiff): { added: number; removed: number } {
  let added = 0;
  let removed = 0;
  for (const h of f.hunks) for (const l of h) l.kind === '+' ? added++ : l.kind === '-' ? removed++ : 0;
  return { added, removed };
}
