import * as fs from 'node:fs';
import * as path from 'node:path';
import { repoError } from '../errors';
import { heartbeatSafe } from '../heartbeat';
import { runShell } from './run-shell';

/** The install command a JavaScript project's lockfile calls for, when its dependencies are not installed. */
export function detectInstallCommand(repoPath: string): string | null {
  const has = (f: string) => fs.existsSync(path.join(repoPath, f));
  if (!has('package.json') || has('node_modules')) return null;
  if (has('pnpm-lock.yaml')) return 'pnpm install --frozen-lockfile';
  if (has('yarn.lock')) return 'yarn install --frozen-lockfile';
  if (has('package-lock.json')) return 'npm ci --no-audit --no-fund';
  return null;
}

/**
 * Runs the install command (--install-cmd, or the lockfile's) and the setup command (--setup-cmd) in
 * `cwd`. Task worktrees then link the node_modules installed here instead of installing again.
 * A failure stops with the command, its log and what to do.
 */
export async function prepareEnvironment(a: {
  cwd: string;
  logDir: string;
  installCommand?: string | null;
  setupCommand?: string;
}): Promise<void> {
  const steps: Array<[string, string]> = [];
  if (a.installCommand) steps.push(['install', a.installCommand]);
  if (a.setupCommand) steps.push(['setup', a.setupCommand]);
  for (const [name, command] of steps) {
    // The install command has to reach the package registry: it gets the network, not the rest of the machine.
    const r = await runShell(command, a.cwd, path.join(a.logDir, `${name}.log`), {
      onTick: heartbeatSafe,
      network: name === 'install',
    });
    if (!r.passed) {
      throw repoError(
        `the ${name} command failed (${command}, exit ${r.exitCode}); see ${r.logPath}. Fix it, or pass --${name}-cmd with one that works.\n${r.tail.slice(-1500)}`,
      );
    }
  }
}
