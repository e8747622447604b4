/**
 * Each failing test's own block from a test run's output (what the runner printed about that failure: the
 * assertion, expected and received, the stack), rather than the end of the output, where jest's details
 * are not. Bounded: a block keeps its head and tail, the whole answer a total budget. Pure.
 */

/** Characters kept of one failure's block: its head (the assertion, the diff) and its tail (where it failed). */
export const BLOCK_HEAD_CHARS = 1_400;
export const BLOCK_TAIL_CHARS = 600;
/** Characters for all blocks together. */
export const BLOCKS_BUDGET_CHARS = 9_000;

const ANSI = /\x1b\[[0-9;]*m/g;

/** A block's start: jest/vitest `● a › b`, pytest `____ test_x ____`, go `--- FAIL: TestX`, node/TAP `not ok 3 - x`, mocha `1) x`, cargo `---- x stdout ----`. */
const BLOCK_START = /^\s*(●|✕|×|FAIL:?\s|_{3,}\s.+\s_{3,}$|--- FAIL: |not ok \d+|\d+\) |---- .+ stdout ----|✖ )/;
/** Where the per-test details end: a runner's summary. */
const SUMMARY =
  /^\s*(Test Suites:|Tests:\s|=+ short test summary|=+ \d+ (failed|passed)|failures:$|Summary of all failing tests|ℹ tests \d+|# tests \d+|\d+ passing|test result:)/;

/** Bounds one block: its head and tail, the middle cut with a note. */
export function boundBlock(block: string, head = BLOCK_HEAD_CHARS, tail = BLOCK_TAIL_CHARS): string {
  if (block.length <= head + tail) return block;
  return `${block.slice(0, head)}\n… (${block.length - head - tail} characters cut) …\n${block.slice(-tail)}`;
}

/** The output split into blocks at each block start, up to the runner's summary. */
function blocksOf(lines: string[]): { start: number; text: string }[] {
  const out: { start: number; text: string }[] = [];
  let current: { start: number; lines: string[] } | undefined;
  const close = () => current && out.push({ start: current.start, text: current.lines.join('\n').trim() });
  lines.forEach((line, i) => {
    if (SUMMARY.test(line)) {
      close();
      current = undefined;
    } else if (BLOCK_START.test(line)) {
      close();
      current = { start: i, lines: [line] };
    } else current?.lines.push(line);
  });
  close();
  return out;
}

/** The words of a test id (`file::a › b`, `TestX/sub`) that name it in a block's first line. */
function nameOf(id: string): string {
  const name = id.includes('::') ? id.slice(id.lastIndexOf('::') + 2) : id;
  return name
    .split(/ › |\//)
    .pop()!
    .trim();
}

/**
 * For each failing test id, the block of the output about it (a block whose first line names it), bounded;
 * ids with no block of their own are listed without one. When no id is known, the first failure blocks found.
 */
export function failureBlocks(
  output: string,
  failing: string[],
  budget = BLOCKS_BUDGET_CHARS,
): { id: string; block?: string }[] {
  const lines = output.replace(ANSI, '').split(/\r?\n/);
  const blocks = blocksOf(lines).filter((b) => b.text.split('\n').length > 1 || /not ok|FAIL|●|✕|✖/.test(b.text));
  const picked: { id: string; block?: string }[] = [];
  const used = new Set<number>();
  let left = budget;
  const take = (id: string, text: string | undefined) => {
    if (!text || left <= 0) return void picked.push({ id });
    const bounded = boundBlock(text);
    const block = bounded.length > left ? `${bounded.slice(0, left)}\n… (cut: the failure budget is spent)` : bounded;
    left -= block.length;
    picked.push({ id, block });
  };
  for (const id of failing) {
    const name = nameOf(id);
    const full = id.includes('::') ? id.slice(id.lastIndexOf('::') + 2) : id;
    // The block that names the test best (its full name, as jest's `● a › b`), then the longest (not a one-line status).
    const score = (b: { text: string }) => (b.text.split('\n')[0].includes(full) ? 1e9 : 0) + b.text.length;
    let i = -1;
    blocks.forEach((b, k) => {
      if (!used.has(k) && !!name && b.text.split('\n')[0].includes(name) && (i < 0 || score(b) > score(blocks[i])))
        i = k;
    });
    if (i >= 0) used.add(i);
    take(id, i >= 0 ? blocks[i].text : undefined);
  }
  if (!failing.length)
    blocks
      .filter((b) => /●|FAIL|not ok|✕|✖|×|_{3,}/.test(b.text.split('\n')[0]))
      .slice(0, 8)
      .forEach((b) => take(b.text.split('\n')[0].trim().slice(0, 200), b.text));
  return picked;
}

/** The blocks as the model reads them. */
export function renderFailureBlocks(
  blocks: { id: string; block?: string }[],
  mark: (id: string) => string = () => '',
): string {
  return blocks
    .map(
      (b) => `### ${b.id}${mark(b.id)}\n${b.block ?? '(no block of its own in the output; see the end of the output)'}`,
    )
    .join('\n\n');
}
