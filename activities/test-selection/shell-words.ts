/**
 * Just enough POSIX shell syntax to take a simple test command apart and put it back together:
 * words with quotes and backslashes, no expansions. Pure.
 */

/** Characters a word may hold without quoting (globs and `$` are not among them). */
const SAFE = /^[A-Za-z0-9_\-./=:@,+%^]+$/;

/** A word as the shell reads it literally: bare when safe, else in single quotes. */
export function shellQuote(word: string): string {
  if (word !== '' && SAFE.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** Characters of a word the shell was to glob (unquoted `*`, `?`, `[…]` in the command as written). */
const GLOB_SAFE = /^[A-Za-z0-9_\-./=:@,+%^*?[\]]+$/;

/**
 * A command line from words, each quoted as needed. A word taken from a command (a ShellWord) whose glob
 * characters were unquoted stays unquoted, so the shell still expands it (`test/*.test.ts`).
 */
export function shellJoin(words: Array<string | ShellWord>): string {
  return words
    .map((w) =>
      typeof w === 'string' ? shellQuote(w) : w.glob && GLOB_SAFE.test(w.text) ? w.text : shellQuote(w.text),
    )
    .join(' ');
}

/** One word of a command: its literal text, and whether an unquoted glob character in it would be expanded. */
export interface ShellWord {
  text: string;
  glob: boolean;
}

/**
 * Splits a command into words, or returns null when it is more than one simple command (`&&`, `;`, `|`,
 * redirections, `&`, subshells) or uses expansions (`$`, backquotes), which a rewrite could not keep.
 */
export function splitCommand(command: string): ShellWord[] | null {
  const words: ShellWord[] = [];
  let text = '';
  let glob = false;
  let inWord = false;
  for (let i = 0; i < command.length; i++) {
    const c = command[i];
    if (c === "'") {
      const end = command.indexOf("'", i + 1);
      if (end < 0) return null;
      text += command.slice(i + 1, end);
      i = end;
      inWord = true;
    } else if (c === '"') {
      let j = i + 1;
      for (; j < command.length && command[j] !== '"'; j++) {
        if (command[j] === '$' || command[j] === '`') return null;
        if (command[j] === '\\' && /["\\$`]/.test(command[j + 1] ?? '')) j++;
        text += command[j];
      }
      if (j >= command.length) return null;
      i = j;
      inWord = true;
    } else if (c === '\\') {
      if (i + 1 >= command.length) return null;
      text += command[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push({ text, glob });
      text = '';
      glob = false;
      inWord = false;
    } else if (/[;&|<>()`$#]/.test(c) && !(c === '#' && inWord)) {
      return null;
    } else {
      if (/[*?[]/.test(c)) glob = true;
      text += c;
      inWord = true;
    }
  }
  if (inWord) words.push({ text, glob });
  return words;
}
