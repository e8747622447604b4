/**
 * Names of failing tests found in a test runner's output: node's test runner (TAP and spec
 * reporters), jest/vitest ("●" headers, "✕" lines) and mocha-like "N) name" lists. Pure.
 */
export function failingTests(output: string): string[] {
  const names: string[] = [];
  const add = (n: string) => {
    const name = n
      .trim()
      .replace(/\s+#.*$/, '')
      .replace(/\s+\(\d+(\.\d+)?\s*m?s\)$/, '');
    if (name && !names.includes(name)) names.push(name);
  };
  for (const raw of output.split(/\r?\n/)) {
    const line = raw.replace(/\x1b\[[0-9;]*m/g, '');
    let m: RegExpExecArray | null;
    if ((m = /^\s*not ok \d+ - (.+)$/.exec(line))) {
      if (!/# (SKIP|TODO)\b/i.test(m[1])) add(m[1]);
    } else if ((m = /^\s*✖ (.+?)(?: \(\d+(\.\d+)?ms\))?$/.exec(line))) {
      if (!/^failing tests:?$/i.test(m[1]) && !/^\d+ (tests? )?failed/.test(m[1])) add(m[1]);
    } else if ((m = /^\s*● (.+ › .+|[^●]+)$/.exec(line))) {
      if (!/Test suite failed to run/.test(m[1])) add(m[1]);
    } else if ((m = /^\s*✕ (.+)$/.exec(line))) {
      add(m[1]);
    }
  }
  // Node's runner also reports each failing file as a failing test; keep files only when nothing finer was found.
  const fine = names.filter((n) => !/\.(test|spec)\.[cm]?[jt]sx?$|\.[cm]?[jt]s$/.test(n));
  return fine.length ? fine : names;
}
