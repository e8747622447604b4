import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';

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
 * started from a git hook or an IDE must not point its git commands at another repository or index.
 */
function gitEnvironment(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.toUpperCase().startsWith('GIT_')) env[k] = v;
  return { ...env, GIT_TERMINAL_PROMPT: '0' };
}

/**
 * git in one folder, one process per command. It replaces simple-git, which waits 50 ms after every command
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
    return new Promise((resolve, reject) => {
      const child = spawn('git', [...this.prefix, ...args], { cwd: this.dir, env: gitEnvironment(), stdio: ['ignore', 'pipe', 'pipe'] });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      child.stdout.on('data', (b: Buffer) => out.push(b));
      child.stderr.on('data', (b: Buffer) => err.push(b));
      child.on('error', (e) => reject(new GitError(`git ${args[0] ?? ''} could not start: ${e.message}`, null)));
      child.on('close', (code) => {
        const stdout = Buffer.concat(out).toString('utf8');
        if (code !== 0 && err.length) reject(new GitError(stdout + Buffer.concat(err).toString('utf8'), code));
        else resolve(stdout);
      });
    });
  }

  /** `git rev-parse …`, trimmed. */
  async revparse(args: string[]): Promise<string> {
    return (await this.raw(['rev-parse', ...args])).trim();
  }
}
