import { existsSync } from 'node:fs';
import { launch } from '../process-launcher';
import { withoutSecrets } from '../secret-env';
import { driverListing } from './driver-list';
import { commandFlags, DRIVER_QUERY, mayRunDrivers, neutralisers, NO_REPO_PROGRAMS } from './repo-programs';

/** A git command that failed: its message is what git printed (stdout, then stderr). */
export class GitError extends Error {
  constructor(
    message: string,
    readonly exitCode: number | null,
  ) {
    super(message);
    this.name = 'GitError';
  }
}

/**
 * The ambient environment minus git's own variables (GIT_DIR, GIT_INDEX_FILE, GIT_WORK_TREE…): a Flotilla
 * started from a git hook or an IDE must not point its git commands at another repository or index. Without
 * credentials either: git runs programs the repository configures (credential helpers, fsmonitor, filters).
 */
function gitEnvironment(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.toUpperCase().startsWith('GIT_')) env[k] = v;
  return { ...withoutSecrets(env), GIT_TERMINAL_PROMPT: '0', ...extra };
}

export interface GitOptions {
  /** `-c name=value` settings for this command. */
  config?: string[];
  /** Variables added to git's environment (a private GIT_INDEX_FILE). */
  env?: NodeJS.ProcessEnv;
  /** Written to git's stdin. */
  input?: string;
  /** Reject on any non-zero exit, even a silent one (by default a silent one, like `diff --quiet`'s, resolves). */
  strict?: boolean;
  /** The most output kept, in bytes: over it git is stopped and the call rejects (default 256 MiB). */
  maxBuffer?: number;
}

/**
 * One git command's output (stdout, untrimmed). It rejects when git could not start, printed too much, was
 * ended by a signal (its output is partial), or exited non-zero and printed to stderr (with `strict`: exited
 * non-zero at all).
 */
export async function runGit(cwd: string, args: string[], options: GitOptions = {}): Promise<string> {
  const [subcommand = '', ...rest] = args;
  // The drivers' list: a silent exit 1 is "none"; a config git cannot read fails the command.
  const drivers = mayRunDrivers(args)
    ? configEnv(neutralisers(await driverListing(cwd, [...DRIVER_QUERY], (a) => launchGit(cwd, a, {}, `git ${a[0]}`))))
    : {};
  const config = [...(options.config ?? []), ...NO_REPO_PROGRAMS];
  const full = [...config.flatMap((c) => ['-c', c]), subcommand, ...commandFlags(subcommand), ...rest];
  return launchGit(cwd, full, { ...options, env: { ...drivers, ...options.env } }, `git ${args.slice(0, 2).join(' ')}`);
}

/** Settings given through the environment, one name and value each (`-c` splits at the first `=`). */
function configEnv(pairs: Array<[string, string]>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { GIT_CONFIG_COUNT: String(pairs.length) };
  pairs.forEach(([key, value], i) => {
    env[`GIT_CONFIG_KEY_${i}`] = key;
    env[`GIT_CONFIG_VALUE_${i}`] = value;
  });
  return pairs.length ? env : {};
}

/** One git process, `what` naming it in errors. */
async function launchGit(
  cwd: string,
  args: string[],
  options: Omit<GitOptions, 'config'>,
  what: string,
): Promise<string> {
  const r = await launch({
    file: 'git',
    args,
    cwd,
    env: gitEnvironment(options.env),
    ...(options.input !== undefined ? { input: options.input } : {}),
    ...(options.maxBuffer ? { maxBuffer: options.maxBuffer } : {}),
  });
  if (r.error !== undefined)
    throw new GitError(
      `${what} could not ${r.code === null && !r.stdout.length && !r.stderr.length ? 'start' : 'finish'}: ${r.error}`,
      null,
    );
  if (r.signal) throw new GitError(`${what} was ended by ${r.signal}: ${r.stderr.toString('utf8').slice(-2000)}`, null);
  const stdout = r.stdout.toString('utf8');
  if (r.code !== 0 && (r.stderr.length || options.strict))
    throw new GitError(stdout + r.stderr.toString('utf8') || `${what} exited with code ${r.code}`, r.code);
  return stdout;
}

/**
 * git in one folder, one process per command (started by the process launcher). It replaces simple-git, which waits 50 ms after every command
 * that prints nothing (add, mv, update-ref, reset --quiet, worktree prune…): ten such commands per task
 * were half a second of each task's critical path. Same contract as simple-git's `raw`: the command's stdout,
 * untrimmed; it rejects when git exits non-zero and printed to stderr (a silent non-zero exit, like
 * `diff --quiet`, resolves with its output).
 */
export class Git {
  constructor(
    readonly dir: string,
    private readonly config: string[] = [],
  ) {
    if (!existsSync(dir)) throw new GitError(`Cannot run git in ${dir}: the folder does not exist`, null);
  }

  raw(args: string[]): Promise<string> {
    return runGit(this.dir, args, { config: this.config });
  }

  /** `git rev-parse …`, trimmed. */
  async revparse(args: string[]): Promise<string> {
    return (await this.raw(['rev-parse', ...args])).trim();
  }
}
