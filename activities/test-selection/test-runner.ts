import { type ShellWord, splitCommand } from './shell-words';

/**
 * Which test runner a suite command starts, looking through `npm test`, `npm run X`, `yarn X` and
 * `pnpm X` into the worktree's package.json scripts, and the runner's arguments split into flags (kept
 * as they are) and positional file patterns (what a narrowed command replaces). Pure.
 */

export type RunnerName = 'jest' | 'vitest' | 'node' | 'mocha' | 'pytest' | 'go';

/** A package.json script the command went through. */
export interface ScriptHop {
  /** The manager command as written, e.g. ["npm", "test", "--silent"]. */
  call: string[];
  manager: 'npm' | 'yarn' | 'pnpm';
  name: string;
  /** pre<name>/post<name> scripts exist: only the manager runs them. */
  hooks: boolean;
  /** NAME=value words before the manager command. */
  env: string[];
  /** The script runs the runner through another script. */
  nested: boolean;
  /** The command already hands the script arguments after npm's `--` (they are in the call's args): more go straight after them. */
  passesArgs?: boolean;
}

export interface RunnerCall {
  runner: RunnerName;
  /** NAME=value words before the runner (in the script, when it went through one). */
  env: string[];
  /** The words that start the runner: ["npx", "jest"], ["node"], ["python3", "-m", "pytest"], ["go", "test"]. */
  exe: string[];
  /** Everything after `exe`, in order. */
  args: ShellWord[];
  /** Set when the suite command is a package.json script. */
  script?: ScriptHop;
}

export type RunnerLookup = { call: RunnerCall } | { reason: string };

const ENV_ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*=/;
const JS_BINS: Record<string, RunnerName> = { jest: 'jest', vitest: 'vitest', mocha: 'mocha', _mocha: 'mocha' };

/** The script a package-manager command runs, e.g. `npm test --silent` → "test"; undefined for other commands. */
function scriptName(words: string[]): { manager: ScriptHop['manager']; name: string } | undefined {
  const [manager, first, second] = words;
  if (manager !== 'npm' && manager !== 'yarn' && manager !== 'pnpm') return undefined;
  const rest = words.slice(1);
  if (rest.includes('--')) return undefined; // extra arguments for the script: not a plain suite command
  if (manager === 'npm' && ['test', 't', 'tst'].includes(first)) return { manager, name: 'test' };
  if (['run', 'run-script'].includes(first) && second && !second.startsWith('-')) return { manager, name: second };
  if (manager !== 'npm' && first && !first.startsWith('-') && !['exec', 'dlx', 'install', 'add'].includes(first))
    return { manager, name: first };
  return undefined;
}

/** Node runs its test runner when `--test` comes among the flags, before any script file. */
function startsTestRunner(nodeArgs: string[]): boolean {
  for (let i = 0; i < nodeArgs.length; i++) {
    if (nodeArgs[i] === '--test') return true;
    if (!nodeArgs[i].startsWith('-')) return false;
    if (VALUE_FLAGS.node.includes(nodeArgs[i])) i++;
  }
  return false;
}

/** The runner a single command starts, without looking into scripts. */
function directRunner(words: ShellWord[]): Omit<RunnerCall, 'env' | 'script'> | undefined {
  const text = words.map((w) => w.text);
  let i = 0; // the executable's index: after `npx` and its flags
  if (text[0] === 'npx') {
    i = 1;
    while (i < text.length && text[i].startsWith('-')) i++;
  }
  const exe = text[i]?.replace(/^(\.\/)?node_modules\/\.bin\//, '');
  const tail = (n: number) => ({ exe: text.slice(0, n), args: words.slice(n) });
  if (exe && JS_BINS[exe]) return { runner: JS_BINS[exe], ...tail(i + 1) };
  if (i > 0) return undefined;
  if (exe === 'node' && startsTestRunner(text.slice(1))) return { runner: 'node', ...tail(1) };
  if (exe === 'pytest' || exe === 'py.test') return { runner: 'pytest', ...tail(1) };
  if (/^python(\d+(\.\d+)?)?$/.test(exe ?? '') && text[1] === '-m' && text[2] === 'pytest')
    return { runner: 'pytest', ...tail(3) };
  if (exe === 'go' && text[1] === 'test') return { runner: 'go', ...tail(2) };
  return undefined;
}

/**
 * The runner `command` starts, following package.json scripts (`scripts`, from the worktree) up to three
 * hops; or why it cannot be told, in words for the evidence.
 */
export function findRunner(command: string, scripts: Record<string, string> | undefined, hops = 0): RunnerLookup {
  const words = splitCommand(command);
  if (!words || words.length === 0) return { reason: `"${command}" is not a single simple command` };
  let n = 0;
  while (n < words.length && ENV_ASSIGNMENT.test(words[n].text)) n++;
  const env = words.slice(0, n).map((w) => w.text);
  let rest = words.slice(n);
  // `npm test -- -t x`: the words after npm's `--` go to the script, i.e. to the runner after the script's own arguments.
  const dash = rest.findIndex((w) => w.text === '--');
  const handsArgs = rest[0]?.text === 'npm' && dash > 0;
  const passed = handsArgs ? rest.slice(dash + 1) : [];
  if (handsArgs) rest = rest.slice(0, dash);
  const script = scriptName(rest.map((w) => w.text));
  if (!script && handsArgs)
    return { reason: `"${command}" hands arguments to something that is not a package.json script` };
  if (script) {
    const body = scripts?.[script.name];
    if (typeof body !== 'string')
      return { reason: `package.json has no "${script.name}" script to read the runner from` };
    if (hops >= 3) return { reason: `package.json scripts call each other too deeply to follow` };
    const inner = findRunner(body, scripts, hops + 1);
    if ('reason' in inner) return inner;
    const hooks = [`pre${script.name}`, `post${script.name}`].some((h) => typeof scripts?.[h] === 'string');
    const { call } = inner;
    if (handsArgs && call.script)
      return { reason: `"${command}" hands arguments to a script that calls another script` };
    if (passed.length) call.args = [...call.args, ...passed];
    // The outermost hop is the one a narrowed command can append to; the env of hops between stays with the runner.
    return {
      call: {
        ...call,
        env: [...(call.script?.env ?? []), ...call.env],
        script: {
          call: rest.map((w) => w.text),
          ...script,
          hooks: hooks || !!call.script?.hooks,
          env,
          nested: !!call.script,
          ...(handsArgs ? { passesArgs: true } : {}),
        },
      },
    };
  }
  const direct = directRunner(rest);
  if (!direct)
    return { reason: `no known test runner (jest, vitest, node --test, mocha, pytest, go test) in "${command}"` };
  return { call: { ...direct, env } };
}

/** Flags that take a separate value, per runner (a flag written `--flag=value` never needs listing). */
const VALUE_FLAGS: Record<Exclude<RunnerName, 'jest'>, string[]> = {
  node: [
    '-r',
    '--require',
    '--import',
    '--loader',
    '--experimental-loader',
    '-C',
    '--conditions',
    '--env-file',
    '--input-type',
    '--test-reporter',
    '--test-reporter-destination',
    '--test-name-pattern',
    '--test-skip-pattern',
    '--test-concurrency',
    '--test-timeout',
    '--test-shard',
    '--test-coverage-include',
    '--test-coverage-exclude',
    '--test-global-setup',
    '--watch-path',
  ],
  mocha: [
    '-r',
    '--require',
    '-R',
    '--reporter',
    '-O',
    '--reporter-option',
    '--reporter-options',
    '-u',
    '--ui',
    '-t',
    '--timeout',
    '--slow',
    '-s',
    '-g',
    '--grep',
    '-f',
    '--fgrep',
    '--config',
    '--package',
    '--extension',
    '--file',
    '--ignore',
    '--exclude',
    '-j',
    '--jobs',
    '--retries',
    '-n',
    '--node-option',
  ],
  vitest: [
    '-c',
    '--config',
    '-r',
    '--root',
    '--dir',
    '--project',
    '--environment',
    '--reporter',
    '--pool',
    '-t',
    '--testNamePattern',
    '--mode',
    '--outputFile',
    '--shard',
    '--maxWorkers',
    '--minWorkers',
    '--testTimeout',
  ],
  pytest: [
    '-k',
    '-m',
    '-c',
    '-p',
    '-o',
    '-W',
    '-n',
    '--rootdir',
    '--tb',
    '--maxfail',
    '--junitxml',
    '--junit-xml',
    '--ignore',
    '--ignore-glob',
    '--deselect',
    '--confcutdir',
    '--basetemp',
    '--cov',
    '--cov-report',
    '--cov-config',
    '--log-level',
    '--durations',
    '--import-mode',
    '--dist',
  ],
  go: [
    '-run',
    '-skip',
    '-bench',
    '-benchtime',
    '-count',
    '-cpu',
    '-parallel',
    '-timeout',
    '-tags',
    '-p',
    '-covermode',
    '-coverpkg',
    '-coverprofile',
    '-cpuprofile',
    '-memprofile',
    '-blockprofile',
    '-mutexprofile',
    '-outputdir',
    '-trace',
    '-exec',
    '-ldflags',
    '-gcflags',
    '-asmflags',
    '-mod',
    '-modfile',
    '-o',
    '-shuffle',
    '-vet',
    '-list',
    '-fuzz',
    '-fuzztime',
    '-overlay',
    '-pgo',
    '-C',
  ],
};

/** A runner's arguments split into flags (with their values, in order) and positional patterns. */
export interface RunnerArgs {
  flags: string[];
  patterns: ShellWord[];
}

/** Splits `args` for `runner`; mocha's `--spec X` counts as a pattern. After a bare `--` everything is positional. */
export function splitRunnerArgs(runner: Exclude<RunnerName, 'jest'>, args: ShellWord[]): RunnerArgs {
  const valued = new Set(VALUE_FLAGS[runner]);
  const flags: string[] = [];
  const patterns: ShellWord[] = [];
  for (let i = 0; i < args.length; i++) {
    const word = args[i].text;
    const name = runner === 'go' ? word.replace(/^--/, '-') : word;
    if (word === '--') {
      patterns.push(...args.slice(i + 1));
      break;
    }
    if (runner === 'mocha' && word === '--spec' && args[i + 1]) patterns.push(args[++i]);
    else if (valued.has(name) && args[i + 1]) flags.push(word, args[++i].text);
    else if (word.startsWith('-') && word !== '-') flags.push(word);
    else patterns.push(args[i]);
  }
  return { flags, patterns };
}
