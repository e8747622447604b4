import { workflowRunId } from '../activity-context';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type { PreparedRun, RunSettings } from '../../core/types';
import { crashPoint } from '../crash-point';
import { repoError } from '../errors';
import { runDir } from '../run-paths';
import { detectE2eCommand } from '../test-runs/detect-e2e-command';
import { detectTestCommand } from '../test-runs/detect-test-command';
import { describeSandbox, writeSandboxRecord } from '../sandbox';
import { atLeastFloor } from '../sandbox/floor';
import { backupRef, changedPaths, gitAt, runBranch } from './git';

async function excludeFlotillaFolder(repoPath: string): Promise<void> {
  const git = await gitAt(repoPath);
  const common = path.resolve(repoPath, (await git.raw(['rev-parse', '--git-common-dir'])).trim());
  const exclude = path.join(common, 'info', 'exclude');
  const current = await fs.readFile(exclude, 'utf8').catch(() => '');
  if (!/^\/?\.flotilla\/?$/m.test(current)) {
    await fs.mkdir(path.dirname(exclude), { recursive: true });
    await fs.writeFile(exclude, `${current}${current && !current.endsWith('\n') ? '\n' : ''}/.flotilla/\n`);
  }
}

/**
 * Records which workflow owns the run folder, and refuses a run id another workflow already used
 * (its branch, backup ref and trailer commits would otherwise be taken for this run's work).
 */
async function claimRunId(dir: string, runId: string): Promise<void> {
  const me = workflowRunId();
  const file = path.join(dir, 'owner.json');
  const owner = await fs.readFile(file, 'utf8').then(
    (t) => (JSON.parse(t) as { workflowRunId?: string }).workflowRunId,
    () => undefined,
  );
  if (owner && me && owner !== me) {
    throw repoError(
      `run id ${runId} was already used by another run in this repository (see ${dir}). Start the run with another --run-id.`,
    );
  }
  if (!owner && me) await fs.writeFile(file, JSON.stringify({ workflowRunId: me }) + '\n');
}

export function makeRunSetupActivities() {
  return {
    /**
     * Checks the repository (a git repo, clean, with commits and a test command), then creates the run
     * branch and a backup ref at HEAD. Idempotent: a second call for the same run returns the same base.
     */
    async prepareRun(s: RunSettings & { allowDirty?: boolean }): Promise<PreparedRun> {
      const stat = await fs.stat(s.repoPath).catch(() => null);
      if (!stat?.isDirectory())
        throw repoError(
          `${s.repoPath} does not exist or is not a folder. Pass --repo with the path of a git repository.`,
        );
      const git = await gitAt(s.repoPath);
      const top = await git.raw(['rev-parse', '--show-toplevel']).catch(() => '');
      if (!top.trim())
        throw repoError(`${s.repoPath} is not a git repository. Run \`git init\` and commit your code first.`);
      if (path.resolve(top.trim()) !== (await fs.realpath(s.repoPath))) {
        throw repoError(`${s.repoPath} is inside the repository ${top.trim()}; pass --repo ${top.trim()}`);
      }
      const branch = runBranch(s.runId);
      const dir = runDir(s.repoPath, s.runId);
      await fs.mkdir(dir, { recursive: true });
      await excludeFlotillaFolder(s.repoPath);
      await claimRunId(dir, s.runId);
      const existing = await git.raw(['rev-parse', '--verify', '--quiet', backupRef(s.runId)]).catch(() => '');
      let baseSha = existing.trim();
      if (!baseSha) {
        const head = await git.raw(['rev-parse', '--verify', '--quiet', 'HEAD']).catch(() => '');
        if (!head.trim()) throw repoError(`${s.repoPath} has no commits yet. Commit your code and tasks/ first.`);
        if (!s.allowDirty) {
          const dirty = await changedPaths(git);
          if (dirty.length) {
            const files = dirty.slice(0, 10).join(', ') + (dirty.length > 10 ? ` and ${dirty.length - 10} more` : '');
            throw repoError(
              `the working tree of ${s.repoPath} has uncommitted changes (${files}). Commit or stash them, then start the run again.`,
            );
          }
        }
        baseSha = head.trim();
        await git.raw(['update-ref', backupRef(s.runId), baseSha]);
        crashPoint('prepare-run.after-backup-ref');
      }
      // The run branch starts at the backup ref; a try that died between the two made only the ref.
      if (!(await git.raw(['rev-parse', '--verify', '--quiet', `refs/heads/${branch}`]).catch(() => '')).trim())
        await git.raw(['branch', branch, baseSha]);
      // The run's sandbox, recorded for the activities that run commands, the report and `run --wait`.
      // Never below this worker's floor (flotilla worker --sandbox): a run asking for off on such a worker fails here.
      const mode = atLeastFloor(s.sandbox ?? 'auto');
      const sandbox = describeSandbox(mode, s.sandboxNetwork === true);
      if (mode === 'required' && !sandbox.sandboxed)
        throw repoError(
          `--sandbox required, but ${sandbox.detail}. Install bubblewrap on the workers, or start the run with --sandbox auto.`,
        );
      writeSandboxRecord(s.repoPath, s.runId, sandbox);
      if (!sandbox.sandboxed) console.warn(`flotilla: run ${s.runId} is NOT sandboxed: ${sandbox.detail}`);
      const testCommand = s.testCommand ?? detectTestCommand(s.repoPath);
      if (!testCommand)
        throw repoError(
          `no test command found in ${s.repoPath} (looked for package.json "test", Makefile test, pytest, go.mod, Cargo.toml). Pass --test-cmd.`,
        );
      const e2eCommand =
        s.e2eAfter === 'never' ? undefined : (s.e2eCommand ?? detectE2eCommand(s.repoPath) ?? undefined);
      return { baseSha, branch, runDir: dir, testCommand, ...(e2eCommand ? { e2eCommand } : {}) };
    },
  };
}
