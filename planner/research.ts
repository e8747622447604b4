/**
 * The research document the backlog came from (e.g. .prompts/001-task-execution-research/task-execution-research.md):
 * its notes on each task, by task id, to give that task's agent as context. Pure: callers hand it the text.
 *
 * A note on a task is any of: a section whose heading names the task (to the next heading of the same or a higher
 * level), a `<task id="TASK-x">…</task>` block, or a list item or table row that starts with the task's id (with
 * its indented continuation lines).
 */
export interface Research {
  /** Where the document is, as the user named it (or as found by convention). */
  path: string;
  /** Notes by task id, in the document's order. */
  notes: Record<string, string>;
}

/** A research document that cannot be used, naming the file and why. */
export class ResearchError extends Error {
  constructor(
    readonly file: string,
    reason: string,
  ) {
    super(`research document ${file} cannot be used: ${reason}`);
    this.name = 'ResearchError';
  }
}

/** A task's notes at most, in characters: context for an agent, not a second task file. */
export const MAX_NOTE_CHARS = 4000;

const TASK_ID = /\bTASK-[0-9]+\b/g;
const HEADING = /^(#{1,6})\s+(.*)$/;
const ITEM = /^\s*(?:[-*+]|\d+[.)]|\|)\s*\**`?(TASK-[0-9]+)\b/;
const TAG_OPEN = /<task\s+id="(TASK-[0-9]+)"\s*>/;

export function parseResearch(file: string, text: string): Research {
  if (text.includes('\u0000') || text.includes('\uFFFD')) throw new ResearchError(file, 'it is not UTF-8 text');
  if (!text.trim()) throw new ResearchError(file, 'it is empty');
  const notes = new Map<string, string[]>();
  const add = (id: string, lines: string[]) => {
    const body = lines.join('\n').trim();
    if (body) notes.set(id, [...(notes.get(id) ?? []), body]);
  };
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  let section: { ids: string[]; end: number } | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const tag = TAG_OPEN.exec(line);
    if (tag) {
      const end = lines.findIndex((l, k) => k >= i && l.includes('</task>'));
      if (end < 0) throw new ResearchError(file, `<task id="${tag[1]}"> on line ${i + 1} is never closed by </task>`);
      const block = lines.slice(i, end + 1).join('\n');
      add(tag[1], [block.slice(block.indexOf(tag[0]) + tag[0].length, block.lastIndexOf('</task>'))]);
      i = end;
      continue;
    }
    const heading = HEADING.exec(line);
    const ids = heading ? [...new Set(heading[2].match(TASK_ID) ?? [])] : [];
    if (heading && ids.length) {
      let end = i + 1;
      while (
        end < lines.length &&
        !(HEADING.exec(lines[end]) && HEADING.exec(lines[end])![1].length <= heading[1].length)
      )
        end++;
      for (const id of ids) add(id, [line, ...lines.slice(i + 1, end)]);
      // Items inside the section that name another task are notes on that task too.
      section = { ids, end };
      continue;
    }
    if (section && i >= section.end) section = undefined;
    const item = ITEM.exec(line);
    if (item && !section?.ids.includes(item[1])) {
      let end = i + 1;
      while (end < lines.length && /^\s+\S/.test(lines[end]) && !ITEM.exec(lines[end])) end++;
      add(item[1], lines.slice(i, end));
      i = end - 1;
    }
  }
  const out: Record<string, string> = {};
  for (const [id, parts] of notes) {
    const text = parts.join('\n\n');
    out[id] =
      text.length > MAX_NOTE_CHARS
        ? `${text.slice(0, MAX_NOTE_CHARS)}\n[… cut at ${MAX_NOTE_CHARS} characters; the rest is in the research document]`
        : text;
  }
  return { path: file, notes: out };
}

/** The research document by convention: the first `*research*.md` in a `.prompts/<folder>/`, folders in name order. */
export function conventionalResearch(paths: string[]): string | undefined {
  return paths.filter((p) => /^\.prompts\/[^/]+\/[^/]*research[^/]*\.md$/i.test(p)).sort()[0];
}
