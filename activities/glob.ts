// Globs as regular expressions over repo-relative paths, for suite patterns and the agent's search tool.

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A glob as a regular expression over repo-relative paths: `**`, `*`, `?`, `{a,b}`, `[…]`. */
export function globToRegExp(glob: string): RegExp {
  let re = '';
  let braces = 0;
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*' && glob[i + 1] === '*') {
      const slash = glob[i + 2] === '/';
      re += slash ? '(?:.*/)?' : '.*';
      i += slash ? 2 : 1;
      continue;
    }
    const end = c === '[' ? glob.indexOf(']', i + 1) : -1;
    if (end > i) {
      re += `[${glob
        .slice(i + 1, end)
        .replace(/^!/, '^')
        .replace(/\\/g, '\\\\')}]`;
      i = end;
      continue;
    }
    if (c === '{') {
      braces++;
      re += '(?:';
    } else if (c === '}' && braces > 0) {
      braces--;
      re += ')';
    } else if (c === ',' && braces > 0) re += '|';
    else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += escapeRegExp(c);
  }
  // An unclosed brace is no glob the shell or a runner would expand: match the text as it is.
  return new RegExp(braces > 0 ? `^${escapeRegExp(glob)}$` : `^${re}$`);
}
