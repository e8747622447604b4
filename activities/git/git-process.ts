import { existsSync } from 'node:fs';
import { launch } from '../process-launcher';
import { withoutSecrets } from '../secret-env';

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
export function gitEnvironment(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.toUpperCase().startsWith('GIT_')) env[k] = v;
  return { ...withoutSecrets(env), GIT_TERMINAL_PROMPT: '0', ...extra };
}

/**
 * Every git command Flotilla runs ignores the repository's hooks: a hook is code from the repository (husky's
 * `core.hooksPath` points into the work tree, which an agent edits) that git would run outside the sandbox on a
 * checkout, a commit or a merge. Flotilla's commits already skip pre-commit and commit-msg (--no-verify).
 */
export const NO_HOOKS = ['-c', 'core.hooksPath=/dev/null'];

/** One git command's output (stdout, untrimmed); rejects when git exits non-zero and printed to stderr. */
export async function runGit(cwd: string, args: string[], options: { env?: NodeJS.ProcessEnv; input?: string } = {}): Promise<string> {
  const r = await launch({ file: 'git', args: [...NO_HOOKS, ...args], cwd, env: gitEnvironment(options.env), ...(options.input !== undefined ? { input: options.input } : {}) });
  if (r.error !== undefined) throw new GitError(`git ${args[0] ?? ''} could not start: ${r.error}`, null);
  const stdout = r.stdout.toString('utf8');
  if (r.code !== 0 && r.stderr.length) throw new GitError(stdout + r.stderr.toString('utf8'), r.code);
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
  private readonly prefix: string[];

  constructor(
    readonly dir: string,
    config: string[] = [],
  ) {
    if (!existsSync(dir)) throw new GitError(`Cannot run git in ${dir}: the folder does not exist`, null);
    this.prefix = config.flatMap((c) => ['-c', c]);
  }

  raw(args: string[]): Promise<string> {
    return runGit(this.dir, [...this.prefix, ...args]);
  }

  /** `git rev-parse …`, trimmed. */
  async revparse(args: string[]): Promise<string> {
    return (await this.raw(['rev-parse', ...args])).trim();
  }
}
