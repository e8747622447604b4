import { parseArgs as parseNodeArgs } from 'node:util';
import type { ConnectionOptions } from './connection';

/**
 * Command-line parsing on `node:util` parseArgs in strict mode. Each command declares its flags and
 * positionals once (a CommandSpec); the same declaration drives parsing, value checks and `--help`.
 */

export interface FlagSpec {
  type: 'string' | 'boolean';
  /** One line for --help. */
  description: string;
  /** The value's placeholder in --help: N, DIR, CMD… (string flags). */
  value?: string;
  /** Applied when the flag is absent, and shown in --help. */
  default?: string | number | boolean;
  /** Shown in --help as the default when it is not a constant (an environment variable, another flag). */
  defaultText?: string;
  short?: string;
  /** A whole number of at least `min` (parsed to a number). */
  int?: { min: number };
  /** A positive number (parsed to a number), of `unit` if given. */
  positive?: true;
  unit?: string;
  /** One of these values. */
  choices?: readonly string[];
}

export interface PositionalSpec {
  name: string;
  description: string;
  optional?: boolean;
}

export interface CommandSpec {
  name: string;
  /** One line, for the overview and the top of the command's help. */
  summary: string;
  /** More lines for the command's help, if needed. */
  details?: string;
  positionals?: PositionalSpec[];
  flags: Record<string, FlagSpec>;
  examples: string[];
}

export type FlagValue = string | number | boolean | undefined;

export interface ParsedArgs {
  positionals: string[];
  flags: Record<string, FlagValue>;
}

export type Out = (line: string) => void;

export interface Command extends CommandSpec {
  run(args: ParsedArgs, out: Out): Promise<number>;
}

/** A bad command line (exit 2). `hint` adds "see flotilla <command> --help". */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly hint = true,
  ) {
    super(message);
  }
}

const HELP_FLAG: FlagSpec = { type: 'boolean', short: 'h', description: 'print this help and exit' };

/** The connection flags of every command that talks to Temporal; they override @temporalio/envconfig's settings. */
export const CONNECTION_FLAGS: Record<string, FlagSpec> = {
  address: {
    type: 'string',
    value: 'HOST:PORT',
    description: 'Temporal server',
    defaultText: "TEMPORAL_ADDRESS, the profile's address, or localhost:7233",
  },
  namespace: {
    type: 'string',
    value: 'NS',
    description: 'Temporal namespace',
    defaultText: "TEMPORAL_NAMESPACE, the profile's namespace, or default",
  },
  profile: {
    type: 'string',
    value: 'NAME',
    description: "profile in Temporal's client config file (temporal.toml; TLS, API key)",
    defaultText: 'TEMPORAL_PROFILE, or default',
  },
};

export function connectionFrom(args: ParsedArgs): ConnectionOptions {
  const o: ConnectionOptions = {};
  for (const k of ['address', 'namespace', 'profile'] as const) {
    const v = str(args, k);
    if (v !== undefined) o[k] = v;
  }
  return o;
}

export function str(args: ParsedArgs, name: string): string | undefined {
  const v = args.flags[name];
  return v === undefined ? undefined : String(v);
}

export function num(args: ParsedArgs, name: string): number | undefined {
  const v = args.flags[name];
  return typeof v === 'number' ? v : v === undefined ? undefined : Number(v);
}

export function bool(args: ParsedArgs, name: string): boolean {
  return args.flags[name] === true;
}

/** Edit distance with transpositions (optimal string alignment), for "did you mean". */
function distance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}

/** The closest of `candidates` to `word`, if close enough to be a typo. */
export function closest(word: string, candidates: string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    const dist = distance(word, c);
    if (dist < bestD) [best, bestD] = [c, dist];
  }
  const prefix = candidates.filter((c) => word.length >= 3 && c.startsWith(word));
  if (prefix.length === 1) return prefix[0];
  return bestD <= Math.max(1, Math.min(3, Math.floor(word.length / 3))) ? best : undefined;
}

function allFlags(spec: CommandSpec): Record<string, FlagSpec> {
  return { ...spec.flags, help: HELP_FLAG };
}

const flagName = (f: FlagSpec, name: string) => `--${name}${f.type === 'string' ? ` ${f.value ?? 'VALUE'}` : ''}`;

function checkValue(name: string, f: FlagSpec, raw: string): string | number {
  if (f.int) {
    const n = Number(raw);
    if (raw.trim() === '' || !Number.isInteger(n) || n < f.int.min)
      throw new UsageError(`--${name} must be a whole number of at least ${f.int.min} (got "${raw}")`);
    return n;
  }
  if (f.positive) {
    const n = Number(raw);
    if (raw.trim() === '' || !(n > 0) || !Number.isFinite(n))
      throw new UsageError(`--${name} must be a positive number${f.unit ? ` of ${f.unit}` : ''} (got "${raw}")`);
    return n;
  }
  if (f.choices && !f.choices.includes(raw))
    throw new UsageError(`--${name} must be one of ${f.choices.join(', ')} (got "${raw}")`);
  return raw;
}

type Token =
  | { kind: 'option'; name: string; rawName: string; value?: string; inlineValue?: boolean }
  | { kind: 'positional'; value: string }
  | { kind: 'option-terminator' };

function tokensOf(spec: CommandSpec, argv: string[]): Token[] {
  const options = Object.fromEntries(
    Object.entries(allFlags(spec)).map(([n, f]) => [n, { type: f.type, ...(f.short ? { short: f.short } : {}) }]),
  );
  return parseNodeArgs({ args: argv, options, strict: false, allowPositionals: true, tokens: true }).tokens as Token[];
}

/** True when the command line asks for help (-h, --help), wherever it is before `--`. */
export function wantsHelp(spec: CommandSpec, argv: string[]): boolean {
  return tokensOf(spec, argv).some(
    (t) =>
      t.kind === 'option' &&
      (t.name === 'help' || (t.inlineValue === false && (t.value === '--help' || t.value === '-h'))),
  );
}

/** Says precisely what is wrong with a command line that strict parsing refused. */
function diagnose(spec: CommandSpec, argv: string[], err: Error): UsageError {
  const flags = allFlags(spec);
  const problems: string[] = [];
  const unknown = new Set<string>();
  for (const t of tokensOf(spec, argv)) {
    if (t.kind !== 'option') continue;
    const f = flags[t.name];
    if (!f) {
      if (unknown.has(t.rawName)) continue;
      unknown.add(t.rawName);
      const guess = t.rawName.startsWith('--') ? closest(t.name, Object.keys(flags)) : undefined;
      problems.push(`unknown option ${t.rawName}${guess ? ` (did you mean --${guess}?)` : ''}`);
    } else if (f.type === 'boolean' && t.value !== undefined) {
      problems.push(`--${t.name} takes no value (got "${t.value}")`);
    } else if (f.type === 'string' && t.value === undefined) {
      problems.push(`${flagName(f, t.name)}: the value is missing`);
    } else if (f.type === 'string' && t.inlineValue === false && t.value?.startsWith('-')) {
      problems.push(
        `${flagName(f, t.name)}: the value is missing (to give "${t.value}" as the value, write --${t.name}=${t.value})`,
      );
    }
  }
  return new UsageError(problems.length ? problems.join('; ') : (err.message.split('\n')[0] ?? String(err)));
}

/**
 * Parses a command's arguments strictly: unknown flags, missing or extra positionals, and bad values are
 * UsageErrors that name them. Defaults are applied; int and positive flags become numbers.
 */
export function parseCommandLine(spec: CommandSpec, argv: string[]): ParsedArgs {
  const flags = allFlags(spec);
  const options = Object.fromEntries(
    Object.entries(flags).map(([n, f]) => [n, { type: f.type, ...(f.short ? { short: f.short } : {}) }]),
  );
  let parsed: { values: Record<string, string | boolean | undefined>; positionals: string[] };
  try {
    parsed = parseNodeArgs({ args: argv, options, strict: true, allowPositionals: true }) as typeof parsed;
  } catch (err) {
    throw diagnose(spec, argv, err as Error);
  }
  const declared = spec.positionals ?? [];
  const required = declared.filter((p) => !p.optional);
  if (parsed.positionals.length < required.length) {
    const missing = required.slice(parsed.positionals.length).map((p) => p.name);
    throw new UsageError(`missing ${missing.join(' and ')}`);
  }
  if (parsed.positionals.length > declared.length) {
    const extra = parsed.positionals.slice(declared.length);
    throw new UsageError(
      `unexpected argument${extra.length > 1 ? 's' : ''} ${extra.map((e) => `"${e}"`).join(' ')}` +
        (declared.length
          ? ` (it takes ${declared.map((p) => (p.optional ? `[${p.name}]` : p.name)).join(' ')})`
          : ' (it takes no arguments)'),
    );
  }
  const values: Record<string, FlagValue> = {};
  for (const [name, f] of Object.entries(spec.flags)) {
    const v = parsed.values[name];
    if (typeof v === 'string') values[name] = checkValue(name, f, v);
    else if (v !== undefined) values[name] = v;
    else if (f.default !== undefined) values[name] = f.default;
  }
  return { positionals: parsed.positionals, flags: values };
}

function synopsis(spec: CommandSpec): string {
  const pos = (spec.positionals ?? []).map((p) => (p.optional ? `[${p.name}]` : p.name));
  return ['flotilla', spec.name, ...pos, ...(Object.keys(spec.flags).length ? ['[options]'] : [])].join(' ');
}

/** The overview line of a command: its synopsis. */
export function overviewLine(spec: CommandSpec): string {
  return ['flotilla', spec.name, ...(spec.positionals ?? []).map((p) => (p.optional ? `[${p.name}]` : p.name))].join(
    ' ',
  );
}

function defaultOf(f: FlagSpec): string | undefined {
  if (f.defaultText !== undefined) return f.defaultText;
  if (f.default === undefined || f.default === false) return undefined;
  return String(f.default);
}

function table(rows: [string, string][]): string[] {
  const width = Math.min(32, Math.max(...rows.map(([a]) => a.length)));
  return rows.map(([a, b]) =>
    a.length > width ? `  ${a}\n  ${''.padEnd(width)}  ${b}` : `  ${a.padEnd(width)}  ${b}`,
  );
}

/** `flotilla <command> --help`: usage, arguments, every flag with its default, and examples. */
export function commandHelp(spec: CommandSpec): string {
  const lines = [`flotilla ${spec.name}: ${spec.summary}`, '', `Usage: ${synopsis(spec)}`];
  if (spec.details) lines.push('', ...spec.details.split('\n'));
  if (spec.positionals?.length)
    lines.push(
      '',
      'Arguments:',
      ...table(spec.positionals.map((p) => [p.name, p.description + (p.optional ? ' (optional)' : '')])),
    );
  const flagRows: [string, string][] = Object.entries(allFlags(spec)).map(([name, f]) => {
    const d = defaultOf(f);
    const choices = f.choices ? ` (one of ${f.choices.join(', ')})` : '';
    return [
      `${f.short ? `-${f.short}, ` : ''}${flagName(f, name)}`,
      `${f.description}${choices}${d !== undefined ? ` [default: ${d}]` : ''}`,
    ];
  });
  lines.push('', 'Options:', ...table(flagRows));
  lines.push('', spec.examples.length > 1 ? 'Examples:' : 'Example:', ...spec.examples.map((e) => `  ${e}`));
  return lines.join('\n');
}

/**
 * Parses a command's arguments and runs it: on -h/--help, prints its help and does nothing else.
 * Errors propagate (a UsageError for a bad command line); main() turns them into messages and exit codes.
 */
export async function execute(command: Command, argv: string[], out: Out): Promise<number> {
  if (wantsHelp(command, argv)) {
    out(commandHelp(command));
    return 0;
  }
  return command.run(parseCommandLine(command, argv), out);
}
