/** What an edit result shows: the changed lines with a few lines around them, numbered as `view` numbers them. Pure. */

/** Lines shown before and after the changed ones (Anthropic's reference editor shows 4). */
export const SNIPPET_CONTEXT_LINES = 4;
/** A snippet longer than this is cut (a large insert or replacement): the model can view the rest. */
export const MAX_SNIPPET_CHARS = 6_000;

/** Lines `from`..`to` (1-based, inclusive) of `text` with `context` lines either side, numbered like `view`. */
export function numberedSnippet(text: string, from: number, to: number, context = SNIPPET_CONTEXT_LINES): string {
  const lines = text.split('\n');
  const first = Math.max(1, from - context);
  const last = Math.min(lines.length, Math.max(to, from) + context);
  const shown = lines
    .slice(first - 1, last)
    .map((l, i) => `${String(first + i).padStart(6)}\t${l}`)
    .join('\n');
  return shown.length > MAX_SNIPPET_CHARS
    ? `${shown.slice(0, MAX_SNIPPET_CHARS)}\n… (snippet cut; view lines ${first}-${last} for the rest)`
    : shown;
}

/** The 1-based line on which character `index` of `text` stands. */
export function lineAt(text: string, index: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i >= 0 && i < index; i = text.indexOf('\n', i + 1)) line++;
  return line;
}

/** The first line of every occurrence of `needle` in `text` (occurrences do not overlap, as split counts them). */
export function matchLines(text: string, needle: string): number[] {
  const out: number[] = [];
  for (let i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + needle.length)) out.push(lineAt(text, i));
  return out;
}

/** How many lines a piece of text spans once written (a trailing newline ends a line, it does not start one). */
export const lineSpan = (s: string) => Math.max(1, s.replace(/\n$/, '').split('\n').length);

/** An edit's result for the model: what changed, and the snippet to check it against. */
export function editResult(what: string, rel: string, snippet: string): string {
  return `${what}. Here is a snippet of ${rel} (line numbers as \`view\` shows them):\n${snippet}\nReview the change and make sure it is as expected; edit the file again if it is not.`;
}
