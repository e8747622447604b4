import * as fs from 'node:fs';
import * as path from 'node:path';
import { closest, type Command, commandHelp, execute, overviewLine, UsageError } from './args';
import { controlCommand } from './commands/control';
import { demoCommand } from './commands/demo';
import { devCommand } from './commands/dev';
import { evalCommand } from './commands/eval';
import { discoverCommand } from './commands/discover';
import { gcCommand } from './commands/gc';
import { planCommand } from './commands/plan';
import { reportCommand } from './commands/report';
import { rollbackCommand } from './commands/rollback';
import { runCommand } from './commands/run';
import { runsCommand } from './commands/runs';
import { statusCommand } from './commands/status';
import { watchCommand } from './commands/watch';
import { workerCommand } from './commands/worker';

/** Every command, in the order the overview lists them. */
export const COMMANDS: Command[] = [
  demoCommand,
  discoverCommand,
  planCommand,
  runCommand,
  statusCommand,
  watchCommand,
  runsCommand,
  reportCommand,
  controlCommand('pause'),
  controlCommand('resume'),
  controlCommand('skip'),
  controlCommand('retry'),
  controlCommand('approve'),
  controlCommand('abort'),
  rollbackCommand,
  gcCommand,
  workerCommand,
  devCommand,
  evalCommand,
];

export const EXIT_CODES = `Exit codes:
  0  success; run --wait, watch and demo: the run completed (skipped tasks are not a failure)
  1  failure: the command could not do its job (no server, run not found, update refused…);
     run --wait, watch and demo: the run failed or was aborted, or no worker polls its task queue
  130  run --wait, watch, demo: Ctrl-C stopped watching (the run goes on: flotilla watch RUN_ID)
  2  usage error: unknown command or option, missing or extra argument, bad option value`;

/** flotilla's version, from its package.json (found from here, in the sources or in dist/). */
export function version(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    const file = path.join(dir, 'package.json');
    if (fs.existsSync(file)) {
      const pkg = JSON.parse(fs.readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'flotilla' && pkg.version) return pkg.version;
    }
    if (path.dirname(dir) === dir) return 'unknown';
  }
}

export function overview(): string {
  const width = Math.max(...COMMANDS.map((c) => overviewLine(c).length));
  return `flotilla ${version()}: execute a repository's tasks/ backlog with parallel Haiku agents on Temporal, without breaking its tests.

Usage: flotilla <command> [arguments] [options]

Commands:
${COMMANDS.map((c) => `  ${overviewLine(c).padEnd(width)}  ${c.summary}`).join('\n')}
  ${'flotilla help [COMMAND]'.padEnd(width)}  this overview, or a command's options, defaults and examples

Options:
  -h, --help      help (flotilla <command> --help: the command's options, defaults and examples)
  -V, --version   print the version

Commands that talk to Temporal take --address HOST:PORT, --namespace NS and --profile NAME (a profile of
Temporal's client config file), over TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE and TEMPORAL_PROFILE.
status, runs, report and plan take --json.

Environment: ANTHROPIC_API_KEY (Claude; when it is not set, the stand-in model, which is not Claude, is used
  and says so; set but empty is refused), FLOTILLA_STAND_IN=1 (the stand-in even with a key), ANTHROPIC_BASE_URL,
  FLOTILLA_MODEL, TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_PROFILE, TEMPORAL_CLI_PATH, FLOTILLA_WORKTREES.

${EXIT_CODES}`;
}

export interface Io {
  out: (line: string) => void;
  err: (line: string) => void;
}

const consoleIo: Io = { out: (s) => console.log(s), err: (s) => console.error(s) };

function findCommand(name: string): Command | undefined {
  return COMMANDS.find((c) => c.name === name);
}

function unknownCommand(name: string, io: Io): number {
  const guess = closest(
    name,
    COMMANDS.map((c) => c.name),
  );
  io.err(`flotilla: unknown command "${name}"${guess ? ` (did you mean ${guess}?)` : ''}`);
  io.err('see flotilla --help');
  return 2;
}

/** The CLI: returns the exit code (0 ok, 1 failure, 2 usage error). */
export async function main(argv: string[], io: Io = consoleIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    io.err(overview());
    return 2;
  }
  if (name === '--help' || name === '-h') {
    io.out(overview());
    return 0;
  }
  if (name === '--version' || name === '-V') {
    io.out(version());
    return 0;
  }
  if (name === 'help') {
    if (rest.length === 0) {
      io.out(overview());
      return 0;
    }
    const command = findCommand(rest[0]);
    if (!command) return unknownCommand(rest[0], io);
    if (rest.length > 1) {
      io.err(
        `flotilla help: unexpected argument${rest.length > 2 ? 's' : ''} ${rest
          .slice(1)
          .map((a) => `"${a}"`)
          .join(' ')} (it takes one COMMAND)`,
      );
      io.err('see flotilla --help');
      return 2;
    }
    io.out(commandHelp(command));
    return 0;
  }
  if (name.startsWith('-')) {
    const guess = closest(name.replace(/^-+/, ''), ['help', 'version']);
    io.err(
      `flotilla: unknown option ${name}${guess ? ` (did you mean --${guess}?)` : ''}; the command comes first: flotilla <command> [options]`,
    );
    io.err('see flotilla --help');
    return 2;
  }
  const command = findCommand(name);
  if (!command) return unknownCommand(name, io);
  try {
    return await execute(command, rest, io.out);
  } catch (err) {
    io.err(`flotilla ${name}: ${(err as Error).message}`);
    if (err instanceof UsageError) {
      if (err.hint) io.err(`see flotilla ${name} --help`);
      return 2;
    }
    return 1;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
}
