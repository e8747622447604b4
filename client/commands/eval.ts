import type { Connection } from '@temporalio/client';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { defaultReviewModel } from '../../core/review-model';
import { bool, type Command, num, str, UsageError } from '../args';
import { connectClient } from '../connection';
import { EVAL_TASKS } from '../eval/eval-tasks';
import { evalTable, evalTask, type EvalResult } from '../eval/run-eval';
import { startLocalStack } from '../local-stack';
import { RUN_FLAGS, runSettingsFrom } from '../run-settings';
import { LOCAL_STACK_FLAGS, STAND_IN_FLAG } from './worker';

/**
 * `flotilla eval`: the fixed set of prose-only tasks (client/eval/eval-tasks.ts), each a run through the real
 * workflow on a repository made for it, judged by a hidden acceptance check; prints the table. Without
 * ANTHROPIC_API_KEY it runs against the stand-in (a plumbing check: the stand-in cannot do prose tasks, so only
 * the trap task passes); with a key it measures the real model.
 */
export const evalCommand: Command = {
  name: 'eval',
  summary:
    'measure the agent on a fixed set of prose tasks with hidden acceptance checks (pass/fail, tokens, cost, time)',
  details:
    'Exits 0 when every task ran (whatever passed), 1 when a run could not be made. Set ANTHROPIC_API_KEY to measure Claude; without it the stand-in plays the model.',
  flags: {
    only: { type: 'string', value: 'IDS', description: 'comma-separated task ids to run (default: all)' },
    dir: {
      type: 'string',
      value: 'DIR',
      description: 'where to create the eval repositories',
      defaultText: 'a temporary folder',
    },
    ...LOCAL_STACK_FLAGS,
    'stand-in': STAND_IN_FLAG,
    ...RUN_FLAGS,
  },
  examples: [
    'flotilla eval',
    'ANTHROPIC_API_KEY=… flotilla eval --model claude-haiku-4-5 --review-model claude-sonnet-5-5',
    'flotilla eval --only EVAL-01,EVAL-04',
  ],
  async run(args, out) {
    const only = str(args, 'only')
      ?.split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    const tasks = only ? EVAL_TASKS.filter((t) => only.includes(t.id)) : EVAL_TASKS;
    if (only && tasks.length !== only.length)
      throw new UsageError(
        `--only: unknown task id(s) ${only.filter((id) => !EVAL_TASKS.some((t) => t.id === id)).join(', ')}; the tasks are ${EVAL_TASKS.map((t) => t.id).join(', ')}`,
      );
    const dir = path.resolve(str(args, 'dir') ?? fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-eval-')));
    const stack = await startLocalStack({
      port: num(args, 'port'),
      uiPort: num(args, 'ui-port'),
      worker: true,
      standIn: bool(args, 'stand-in'),
      log: () => undefined,
    });
    let connection: Connection | null = null;
    const results: EvalResult[] = [];
    try {
      const connected = await connectClient(stack.settings);
      connection = connected.connection;
      for (const t of tasks) {
        out(`${t.id}: ${t.title}…`);
        results.push(
          await evalTask(connected.client, t, path.join(dir, t.id), (repo) => runSettingsFrom(args, repo), out),
        );
      }
    } finally {
      await connection?.close();
      await stack.stop();
    }
    const model = str(args, 'model') ?? process.env.FLOTILLA_MODEL ?? 'claude-haiku-4-5';
    const reviewModel =
      str(args, 'review-model') ??
      `${model}, or ${defaultReviewModel({ category: 'refactor', risk: 'low' }, model)} for refactor, dead-code and high-risk tasks`;
    out('');
    for (const line of evalTable(results, { model, reviewModel })) out(line);
    out(`Repositories: ${dir}`);
    return 0;
  },
};
