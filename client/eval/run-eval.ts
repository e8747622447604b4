/**
 * Runs the eval set (eval-tasks.ts): each task a run of its own on a fresh copy of the eval repository, through
 * the real workflow (the caller's Temporal client and workers), then its hidden acceptance check on the run
 * branch. Measures what a user pays for: pass/fail, attempts, tokens, cost and time per task, and the totals.
 */
import type { Client } from '@temporalio/client';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { simpleGit } from 'simple-git';
import type { RunSettings, TokenUsage } from '../../core/types';
import { followRun } from '../follow-run';
import { startRun } from '../start-run';
import { projectRoot } from '../../dev/temporal-cli';
import { EVAL_REPO, type EvalTask, evalTaskFile } from './eval-tasks';

export interface EvalResult {
  id: string;
  expect: EvalTask['expect'];
  /** The task's status in the run's report. */
  status: string;
  passed: boolean;
  /** Why it did not pass (the outcome, or the acceptance check's output). */
  why?: string;
  attempts: number;
  usage: TokenUsage;
  ms: number;
}

const tokens = (u: TokenUsage) => u.inputTokens + u.outputTokens + u.cacheWriteTokens + u.cacheReadTokens;

/** A fresh eval repository with one task file, committed on main; node_modules links to Flotilla's (tsx, typescript). */
export async function makeEvalRepo(dir: string, task: EvalTask): Promise<void> {
  fs.rmSync(dir, { recursive: true, force: true });
  for (const [rel, text] of Object.entries({ ...EVAL_REPO, [`tasks/${task.id}.md`]: evalTaskFile(task) })) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), text);
  }
  fs.symlinkSync(path.join(projectRoot(), 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  const git = simpleGit({ baseDir: dir, config: ['user.name=Flotilla Eval', 'user.email=eval@flotilla.local'] });
  await git.init(['--initial-branch=main']);
  await git.add('.');
  await git.commit(`eval repository for ${task.id}`);
}

/** The hidden acceptance check, in a checkout of `ref` with the hidden files added: null when it passed, else its output. */
export async function acceptanceCheck(repo: string, ref: string, task: EvalTask): Promise<string | null> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `flotilla-eval-${task.id}-`));
  const git = simpleGit(repo);
  await git.raw(['worktree', 'add', '--detach', dir, ref]);
  try {
    fs.symlinkSync(path.join(projectRoot(), 'node_modules'), path.join(dir, 'node_modules'), 'dir');
    for (const [rel, text] of Object.entries(task.hiddenFiles ?? {})) {
      fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
      fs.writeFileSync(path.join(dir, rel), text);
    }
    return await new Promise((resolve) =>
      execFile(
        'sh',
        ['-c', task.accept],
        { cwd: dir, timeout: 5 * 60_000, maxBuffer: 16 * 1024 * 1024 },
        (err, stdout, stderr) =>
          resolve(err ? `${stdout}${stderr}`.trim().split('\n').slice(-8).join('\n') || String(err) : null),
      ),
    );
  } finally {
    await git.raw(['worktree', 'remove', '--force', dir]).catch(() => fs.rmSync(dir, { recursive: true, force: true }));
  }
}

/** One eval task: its run, then its acceptance check. */
export async function evalTask(
  client: Client,
  task: EvalTask,
  repo: string,
  settingsFor: (repo: string) => RunSettings,
  progress: (line: string) => void,
): Promise<EvalResult> {
  await makeEvalRepo(repo, task);
  const settings = settingsFor(repo);
  const started = Date.now();
  const handle = await startRun(client, settings);
  const report = await followRun(client, handle.workflowId, () => undefined, 1000, 60_000);
  const ms = Date.now() - started;
  const t = report.tasks.find((x) => x.id === task.id);
  const status = t?.status ?? 'missing';
  const usage = t?.usage ?? { inputTokens: 0, outputTokens: 0, cacheWriteTokens: 0, cacheReadTokens: 0 };
  const base = { id: task.id, expect: task.expect, status, attempts: t?.attempts ?? 0, usage, ms };
  const outcomeOk = task.expect === 'committed' ? status === 'committed' : status !== 'committed';
  if (!outcomeOk) return { ...base, passed: false, why: `${status}${t?.reason ? `: ${t.reason}` : ''}` };
  const failed = await acceptanceCheck(repo, report.branch ?? 'main', task);
  progress(`${task.id}: ${failed ? 'FAIL' : 'pass'} (${status})`);
  return { ...base, passed: !failed, ...(failed ? { why: `hidden check failed: ${failed}` } : {}) };
}

const money = (u: TokenUsage) => (u.costUsd !== undefined ? `$${u.costUsd.toFixed(4)}` : '-');
const pad = (s: string, n: number) => (s.length >= n ? s : s + ' '.repeat(n - s.length));

/** The table: per task, then the totals (success rate, $ per successful task). */
export function evalTable(results: EvalResult[], header: { model: string; reviewModel: string }): string[] {
  const lines = [`Eval: ${results.length} task(s), model ${header.model}, review model ${header.reviewModel}`, ''];
  const cols = ['task', 'expected', 'outcome', 'result', 'attempts', 'tokens', 'cache read', 'cost', 'time'];
  const widths = [9, 10, 10, 7, 9, 9, 11, 10, 8];
  lines.push(cols.map((c, i) => pad(c, widths[i])).join(' '));
  for (const r of results) {
    const row = [
      r.id,
      r.expect,
      r.status,
      r.passed ? 'pass' : 'FAIL',
      String(r.attempts),
      String(tokens(r.usage)),
      String(r.usage.cacheReadTokens),
      money(r.usage),
      `${(r.ms / 1000).toFixed(1)}s`,
    ];
    lines.push(row.map((c, i) => pad(c, widths[i])).join(' '));
  }
  const passed = results.filter((r) => r.passed).length;
  const priced = results.every((r) => r.usage.costUsd !== undefined);
  const cost = results.reduce((n, r) => n + (r.usage.costUsd ?? 0), 0);
  const allTokens = results.reduce((n, r) => n + tokens(r.usage), 0);
  const ms = results.reduce((n, r) => n + r.ms, 0);
  lines.push('');
  lines.push(
    `Passed ${passed} of ${results.length} (${results.length ? Math.round((100 * passed) / results.length) : 0}%); ${allTokens} tokens; ${priced ? `$${cost.toFixed(4)}` : 'cost unknown'}${priced && passed ? `, $${(cost / passed).toFixed(4)} per successful task` : ''}; ${(ms / 1000).toFixed(1)} s`,
  );
  for (const r of results.filter((x) => !x.passed)) lines.push(`- ${r.id}: ${r.why ?? 'failed'}`);
  return lines;
}
