import { type ShellWord } from '../test-selection/shell-words';
import { inSuite } from '../test-selection/narrow-command';
import { findRunner, splitRunnerArgs } from '../test-selection/test-runner';

/**
 * Which tests a command's own name filter selects: `go test -run X -skip Y`, `jest -t X` / `--testNamePattern`,
 * `vitest -t X`, `node --test-name-pattern X` / `--test-skip-pattern`, `pytest -k EXPR` (and `path::test` ids,
 * `--deselect`), `mocha --grep/--fgrep/--invert`. A test of the baseline that the filter does not select was
 * never expected from this command, so it can never have "vanished". Pure.
 *
 * Each predicate is meant to err one way only: when it cannot tell (a pattern JavaScript cannot compile, a
 * `pytest -m` marker expression it cannot see), it says "not selected": a test that truly vanished is then
 * missed here (the batch's full suite still runs it), never a test the filter left out reported as gone.
 */

export interface TestName {
  file: string;
  /** The runner's name for it, as the report parsers give it (` › `-joined for jest/vitest/node, `A/b` for go, `Class::test` for pytest). */
  name: string;
}

export interface NameFilter {
  /** The filter as written, for the evidence: `-run TestDCE`. */
  describe: string;
  selects(t: TestName): boolean;
}

/** A JavaScript RegExp of a pattern, or undefined when it does not compile. */
function regExp(source: string, flags = ''): RegExp | undefined {
  try {
    return new RegExp(source, flags);
  } catch {
    return undefined;
  }
}

/** Go's RE2 syntax in JavaScript: a leading `(?i)` becomes a flag, `(?P<n>` a named group, `\z` an end. */
function goRegExp(source: string): RegExp | undefined {
  let flags = 'u';
  let s = source;
  const inline = /^\(\?([imsU]+)\)/.exec(s);
  if (inline) {
    if (inline[1].includes('i')) flags += 'i';
    if (inline[1].includes('s')) flags += 's';
    if (inline[1].includes('m')) flags += 'm';
    s = s.slice(inline[0].length);
  }
  s = s
    .replace(/\(\?P</g, '(?<')
    .replace(/\\z/g, '$')
    .replace(/\\A/g, '^')
    .replace(/\\p([A-Z])/g, '\\p{$1}')
    .replace(/\\P([A-Z])/g, '\\P{$1}');
  return regExp(s, flags) ?? regExp(s, flags.replace('u', ''));
}

/** Splits a Go `-run`/`-skip` pattern at slashes outside brackets and parentheses (go's splitRegexp). */
function splitGoPattern(pattern: string): string[] {
  const parts: string[] = [];
  let cur = '';
  let depth = 0;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\' && i + 1 < pattern.length) {
      cur += c + pattern[++i];
      continue;
    }
    if (c === '[' || c === '(') depth++;
    else if ((c === ']' || c === ')') && depth > 0) depth--;
    if (c === '/' && depth === 0) {
      parts.push(cur);
      cur = '';
    } else cur += c;
  }
  parts.push(cur);
  return parts;
}

/** The values of a flag among `args` (`-f v`, `-f=v`, `--f v`, `--f=v`, and `-fv` for one-letter flags when `glued`). */
function flagValues(args: string[], names: string[], glued = false): string[] {
  const values: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--') break;
    for (const n of names) {
      if (a === n && i + 1 < args.length) values.push(args[++i]);
      else if (a.startsWith(`${n}=`)) values.push(a.slice(n.length + 1));
      else if (glued && n.length === 2 && a.startsWith(n) && a.length > 2 && !a.startsWith(`${n}=`))
        values.push(a.slice(2));
      else continue;
      break;
    }
  }
  return values;
}

const never: (describe: string) => NameFilter = (describe) => ({
  describe: `${describe} (not evaluated: no test is expected to be missing)`,
  selects: () => false,
});

function goFilter(args: string[]): NameFilter | null {
  const run = flagValues(args, ['-run', '--run']).pop();
  const skip = flagValues(args, ['-skip', '--skip']).pop();
  if (run === undefined && skip === undefined) return null;
  const describe = [run !== undefined ? `-run ${run}` : '', skip !== undefined ? `-skip ${skip}` : '']
    .filter(Boolean)
    .join(' ');
  const compile = (p: string | undefined) => (p === undefined || p === '' ? [] : splitGoPattern(p).map(goRegExp));
  const runParts = compile(run);
  const skipParts = compile(skip);
  if ([...runParts, ...skipParts].some((r) => !r)) return never(describe);
  return {
    describe,
    selects: ({ name }) => {
      const levels = name.split('/');
      // go runs a test when each level of its name matches the pattern's part for that level (a parent runs so its matching subtests can).
      const runs = runParts.every((r, i) => i >= levels.length || r!.test(levels[i]));
      const skipped =
        skipParts.length > 0 && levels.length >= skipParts.length && skipParts.every((r, i) => r!.test(levels[i]));
      return runs && !skipped;
    },
  };
}

/** jest and vitest match the pattern against the test's ancestors and title joined by spaces (jest ignoring case). */
function jestFilter(args: string[], flags: string): NameFilter | null {
  const pattern = flagValues(args, ['-t', '--testNamePattern', '--test-name-pattern'], true).pop();
  if (pattern === undefined) return null;
  const re = regExp(pattern, flags);
  if (!re) return never(`-t ${pattern}`);
  return { describe: `-t ${pattern}`, selects: ({ name }) => re.test(name.split(' › ').join(' ')) };
}

/** A node pattern: a regular expression, or `/re/flags`. */
function nodePattern(p: string): RegExp | undefined {
  const m = /^\/(.*)\/([a-z]*)$/s.exec(p);
  return m ? regExp(m[1], m[2]) : regExp(p);
}

/**
 * node's runner runs a test whose own name, or an ancestor's, matches a `--test-name-pattern` (any of them),
 * and none of whose names matches a `--test-skip-pattern`.
 */
function nodeFilter(args: string[]): NameFilter | null {
  const names = flagValues(args, ['--test-name-pattern']);
  const skips = flagValues(args, ['--test-skip-pattern']);
  if (!names.length && !skips.length) return null;
  const describe = [
    ...names.map((n) => `--test-name-pattern ${n}`),
    ...skips.map((s) => `--test-skip-pattern ${s}`),
  ].join(' ');
  const run = names.map(nodePattern);
  const skip = skips.map(nodePattern);
  if ([...run, ...skip].some((r) => !r)) return never(describe);
  return {
    describe,
    selects: ({ name }) => {
      const chain = name.split(' › ');
      const matches = (r: RegExp) => chain.some((n) => r.test(n));
      return (run.length === 0 || run.some((r) => matches(r!))) && !skip.some((r) => matches(r!));
    },
  };
}

/** mocha's --grep (a regular expression) or --fgrep (a substring) over the full title, --invert flipping it. */
function mochaFilter(args: string[]): NameFilter | null {
  const grep = flagValues(args, ['-g', '--grep']).pop();
  const fgrep = flagValues(args, ['-f', '--fgrep']).pop();
  if (grep === undefined && fgrep === undefined) return null;
  const invert = args.includes('-i') || args.includes('--invert');
  const describe = `${grep !== undefined ? `--grep ${grep}` : `--fgrep ${fgrep}`}${invert ? ' --invert' : ''}`;
  const re = grep !== undefined ? nodePattern(grep) : undefined;
  if (grep !== undefined && !re) return never(describe);
  return { describe, selects: ({ name }) => (re ? re.test(name) : name.includes(fgrep!)) !== invert };
}

// ------------------------------------------------------------------------------------------------ pytest -k

type Expr = { ident: string } | { not: Expr } | { and: [Expr, Expr] } | { or: [Expr, Expr] };

/** pytest's -k grammar: `or` over `and` over `not`, parentheses, and identifiers. Undefined when it does not parse. */
function parseKeywordExpr(text: string): Expr | undefined {
  const tokens = text.match(/\(|\)|[^\s()]+/g) ?? [];
  let i = 0;
  const peek = () => tokens[i];
  const orExpr = (): Expr | undefined => {
    let left = andExpr();
    while (left && peek() === 'or') {
      i++;
      const right = andExpr();
      if (!right) return undefined;
      left = { or: [left, right] };
    }
    return left;
  };
  const andExpr = (): Expr | undefined => {
    let left = notExpr();
    while (left && peek() === 'and') {
      i++;
      const right = notExpr();
      if (!right) return undefined;
      left = { and: [left, right] };
    }
    return left;
  };
  const notExpr = (): Expr | undefined => {
    const t = peek();
    if (t === 'not') {
      i++;
      const e = notExpr();
      return e && { not: e };
    }
    if (t === '(') {
      i++;
      const e = orExpr();
      if (peek() !== ')') return undefined;
      i++;
      return e;
    }
    if (t === undefined || t === ')' || t === 'and' || t === 'or') return undefined;
    i++;
    return { ident: t };
  };
  if (tokens.length === 0) return undefined;
  const e = orExpr();
  return e && i === tokens.length ? e : undefined;
}

/**
 * The names pytest matches `-k` against: the test's own (with its parameters), its classes', its module's file
 * name and its folders'. (Its markers count too; Flotilla cannot see them, so a test picked only by a marker
 * name counts as not selected.)
 */
function pytestKeywords({ file, name }: TestName): string[] {
  const parts = name.split('::');
  const segments = file.split('/');
  return [...segments, ...parts].map((s) => s.toLowerCase());
}

function evaluate(e: Expr, keywords: string[]): boolean {
  if ('ident' in e) return keywords.some((k) => k.includes(e.ident.toLowerCase()));
  if ('not' in e) return !evaluate(e.not, keywords);
  if ('and' in e) return evaluate(e.and[0], keywords) && evaluate(e.and[1], keywords);
  return evaluate(e.or[0], keywords) || evaluate(e.or[1], keywords);
}

function pytestFilter(args: ShellWord[]): NameFilter | null {
  const texts = args.map((a) => a.text);
  const k = flagValues(texts, ['-k'], true).pop();
  const m = flagValues(texts, ['-m'], true).pop();
  const deselected = flagValues(texts, ['--deselect']);
  const { patterns } = splitRunnerArgs('pytest', args);
  const norm = (p: string) => p.replace(/^\.\//, '');
  const ids = patterns.map((p) => norm(p.text)).filter((p) => p.includes('::'));
  const wholeFiles = patterns.filter((p) => !p.text.includes('::'));
  if (k === undefined && m === undefined && !deselected.length && !ids.length) return null;
  const describe = [
    k !== undefined ? `-k ${k}` : '',
    m !== undefined ? `-m ${m}` : '',
    ...deselected.map((d) => `--deselect ${d}`),
    ...ids,
  ]
    .filter(Boolean)
    .join(' ');
  if (m !== undefined) return never(describe);
  const expr = k === undefined || k.trim() === '' ? undefined : parseKeywordExpr(k);
  if (k !== undefined && k.trim() !== '' && !expr) return never(describe);
  const under = (id: string, prefix: string) =>
    id === prefix || id.startsWith(`${prefix}::`) || id.startsWith(`${prefix}[`);
  return {
    describe,
    selects: (t) => {
      const id = `${t.file}::${t.name}`;
      // `file::Class::test` words pick single tests; a file or folder word picks its every test.
      const byPosition =
        ids.length === 0 || (wholeFiles.length > 0 && inSuite(t.file, wholeFiles)) || ids.some((p) => under(id, p));
      if (!byPosition) return false;
      if (deselected.some((d) => under(id, norm(d)))) return false;
      return !expr || evaluate(expr, pytestKeywords(t));
    },
  };
}

/**
 * The name filter of `command` (through package.json `scripts`), or null when it selects tests by file only, or
 * runs everything. Files it leaves out are told apart by the run itself (a narrowed run's files are those it ran).
 */
export function nameFilterOf(command: string, scripts: Record<string, string> | undefined): NameFilter | null {
  const found = findRunner(command, scripts);
  if ('reason' in found) return null;
  const { call } = found;
  const texts = call.args.map((a) => a.text);
  switch (call.runner) {
    case 'go':
      return goFilter(texts);
    case 'jest':
      return jestFilter(texts, 'i');
    case 'vitest':
      return jestFilter(texts, '');
    case 'node':
      return nodeFilter(texts);
    case 'mocha':
      return mochaFilter(texts);
    case 'pytest':
      return pytestFilter(call.args);
  }
}
