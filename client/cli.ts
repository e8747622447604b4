import { parseArgs, UsageError } from './args';
import { controlCommand } from './commands/control';
import { demoCommand } from './commands/demo';
import { devCommand } from './commands/dev';
import { discoverCommand } from './commands/discover';
import { gcCommand } from './commands/gc';
import { planCommand } from './commands/plan';
import { reportCommand } from './commands/report';
import { rollbackCommand } from './commands/rollback';
import { runCommand } from './commands/run';
import { runsCommand } from './commands/runs';
import { statusCommand } from './commands/status';
import { workerCommand } from './commands/worker';

const HELP = `flotilla: execute a repository's tasks/ backlog with parallel Haiku agents on Temporal, without breaking its tests.

Usage:
  flotilla demo [--dir DIR] [--port N] [--ui-port N]    the whole job on a demo repository, offline
  flotilla discover --repo DIR [--dry-run] [--max N]   write task files for the work analysers find (--category C; --instruction TEXT: the model splits it)
  flotilla plan --repo DIR [--out FILE] [--json]       write the execution plan (markdown or JSON)
  flotilla plan --repo DIR --explain TASK-x            why a task sits where it does
  flotilla run --repo DIR [--wait] [--max-parallel N]  start a run (needs a server and a worker)
  flotilla status RUN_ID [--json]                      live state of a run
  flotilla runs [--running] [--limit N]                recent runs, newest first (no worker needed)
  flotilla report RUN_ID                               review.md: commits grouped, test evidence, rollback plan
  flotilla pause|resume RUN_ID [--budget-usd X]        stop starting new tasks / go on (with a higher budget)
  flotilla skip|retry|approve RUN_ID TASK-x            skip a task (cancelled if running), retry it at the end, approve a gated one
  flotilla abort RUN_ID [--rollback]                   cancel running tasks and stop (--rollback resets the run branch)
  flotilla rollback RUN_ID [--repo DIR]                reset a finished run's branch to its base, listing what it removed
  flotilla gc                                          remove worktrees left by crashed runs
  flotilla worker [--max-parallel N] [--agent-rpm N]   run a worker (agents at once; model requests per minute, all workers)
  flotilla dev [--port N] [--ui-port N] [--no-worker]  local dev server + Web UI + worker, in the foreground

Run options: --model M (default claude-haiku-4-5, or FLOTILLA_MODEL), --attempts N (2), --max-turns N (30),
  --test-cmd CMD, --e2e-cmd CMD, --install-cmd CMD (once per run when deps are not installed; default from the
  lockfile), --setup-cmd CMD (in every fresh worktree), --sequential-risk high|medium|low|none, --approve high|medium|low (gate tasks
  at that risk on "flotilla approve"), --allow-dirty, --allow-failing-baseline,
  --review-branch (also build flotilla/<runId>-review with one commit per category), --max-tokens-per-task N,
  --budget-usd X (pause when the model cost reaches X dollars), --run-id ID, --segment-tasks N (1000: tasks per
  execution of the run workflow, which continues-as-new between segments).
Environment: ANTHROPIC_API_KEY (real model; without it the stand-in model is used), ANTHROPIC_BASE_URL,
  TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_CLI_PATH.`;

const COMMANDS: Record<string, (args: ReturnType<typeof parseArgs>, out: (s: string) => void) => Promise<number>> = {
  demo: demoCommand,
  discover: discoverCommand,
  plan: planCommand,
  run: runCommand,
  status: statusCommand,
  runs: runsCommand,
  report: reportCommand,
  pause: controlCommand('pause'),
  resume: controlCommand('resume'),
  skip: controlCommand('skip'),
  retry: controlCommand('retry'),
  approve: controlCommand('approve'),
  abort: controlCommand('abort'),
  rollback: rollbackCommand,
  gc: gcCommand,
  worker: workerCommand,
  dev: devCommand,
};

const BOOLEAN_FLAGS = ['json', 'wait', 'no-worker', 'help', 'rollback', 'allow-dirty', 'allow-failing-baseline', 'review-branch', 'running'];

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === 'help' || name === '--help' || name === '-h') {
    console.log(HELP);
    return name ? 0 : 2;
  }
  const command = COMMANDS[name];
  if (!command) {
    console.error(`flotilla: unknown command "${name}".\n\n${HELP}`);
    return 2;
  }
  try {
    return await command(parseArgs(rest, BOOLEAN_FLAGS), (s) => console.log(s));
  } catch (err) {
    console.error(`flotilla ${name}: ${(err as Error).message}`);
    return err instanceof UsageError ? 2 : 1;
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
