import * as fs from 'node:fs';
import * as path from 'node:path';
import { Git } from '../../activities/git/git-process';
import { detectE2eCommand } from '../../activities/test-runs/detect-e2e-command';
import { detectTestCommand } from '../../activities/test-runs/detect-test-command';
import type { RunSettings } from '../../core/types';
import { readResearch } from '../../activities/records/research-file';
import { buildPlan, explainTask, parseTaskFiles, renderPlanMarkdown } from '../../planner';
import { ResearchError } from '../../planner/research';
import { bool, type Command, type ParsedArgs, str, UsageError } from '../args';
import { chooseModel } from '../model-access';
import { runFlags, runSettingsFrom } from '../run-settings';
import { STAND_IN_FLAG } from './worker';

/** `flotilla plan --repo DIR [--out FILE] [--json] [--explain TASK-x]`: plans the task files in the repository's tasks/ folder. */
export const planCommand: Command = {
  name: 'plan',
  summary: "write the execution plan of a repository's tasks/ (markdown, or JSON), or explain where a task sits",
  details: 'Needs no server. Task files that cannot be parsed are reported on stderr and skipped.',
  flags: {
    repo: { type: 'string', value: 'DIR', default: '.', description: 'the repository, with its task files in tasks/' },
    out: {
      type: 'string',
      value: 'FILE',
      description: 'write the plan to FILE and print a one-line summary',
      defaultText: 'print it',
    },
    json: { type: 'boolean', description: 'the plan as JSON (plan.json) instead of markdown' },
    explain: {
      type: 'string',
      value: 'TASK-x',
      description: 'say why a task sits in its phase and batch, instead of the plan',
    },
    ...runFlags(
      'max-parallel',
      'sequential-risk',
      'segment-tasks',
      'test-cmd',
      'e2e-cmd',
      'e2e-after',
      'model',
      'review-model',
      'research',
    ),
    'stand-in': STAND_IN_FLAG,
  },
  examples: [
    'flotilla plan --repo ../my-repo --out plan.md',
    'flotilla plan --research .prompts/001-task-execution-research/task-execution-research.md --out .prompts/002-task-execution-plan/task-execution-plan.md',
    'flotilla plan --repo ../my-repo --json',
    'flotilla plan --repo ../my-repo --explain TASK-0007',
  ],
  run: planRepository,
};

async function planRepository(args: ParsedArgs, out: (s: string) => void): Promise<number> {
  const repo = path.resolve(str(args, 'repo') ?? '.');
  const tasksDir = path.join(repo, 'tasks');
  if (!fs.existsSync(tasksDir))
    throw new UsageError(
      `${tasksDir} does not exist: put the task files (TASK-0001.md …) in a tasks/ folder, or pass --repo.`,
      false,
    );
  const files = fs
    .readdirSync(tasksDir)
    .filter((f) => f.endsWith('.md') && !/^readme/i.test(f))
    .map((f) => ({ path: `tasks/${f}`, text: fs.readFileSync(path.join(tasksDir, f), 'utf8') }));
  const settings = runSettingsFrom(args, repo);
  const { tasks, problems } = parseTaskFiles(files);
  // The files the working tree has (tracked or new), so tasks naming a missing file are flagged.
  const listed = await new Git(repo).raw(['ls-files', '--cached', '--others', '--exclude-standard']).catch(() => null);
  const plan = buildPlan(tasks, problems, {
    ...(listed !== null ? { existingFiles: new Set(listed.split('\n').filter(Boolean)) } : {}),
    repoName: path.basename(repo),
    testCommand: settings.testCommand ?? detectTestCommand(repo) ?? 'npm test',
    sequentialRisk: settings.sequentialRisk,
    maxParallel: settings.maxParallel,
    segmentTasks: settings.segmentTasks,
  });
  const explain = str(args, 'explain');
  if (explain) {
    for (const line of explainTask(plan, explain)) out(line);
    return 0;
  }
  for (const p of plan.skipped) process.stderr.write(`warning: ${p.file}: ${p.reason} (skipped)\n`);
  const research = await readResearch(repo, settings.research).catch((err) => {
    throw err instanceof ResearchError ? new UsageError(err.message, false) : err;
  });
  const asJson = bool(args, 'json');
  const text = asJson
    ? JSON.stringify(plan, null, 2) + '\n'
    : renderPlanMarkdown(plan, {
        model: settings.model,
        ...standIn(bool(args, 'stand-in')),
        ...(settings.reviewModel ? { reviewModel: settings.reviewModel } : {}),
        ...e2e(settings, repo),
        ...(research
          ? { research: { path: research.path, taskIds: Object.keys(research.notes).filter((id) => plan.tasks[id]) } }
          : {}),
      });
  const target = str(args, 'out');
  if (target) {
    fs.mkdirSync(path.dirname(path.resolve(target)), { recursive: true });
    fs.writeFileSync(target, text);
    const n = Object.keys(plan.tasks).length;
    const batches = plan.phases.reduce((k, p) => k + p.batches.length, 0);
    out(
      `Planned ${n} tasks in ${plan.phases.length} phases and ${batches} batches (${plan.skipped.length} skipped): ${path.resolve(target)}`,
    );
  } else {
    out(text.trimEnd());
  }
  return 0;
}

/** Whether a run from here would use the stand-in model (not Claude), and why: the plan says so. */
function standIn(flag: boolean): { standIn?: string } {
  try {
    const choice = chooseModel({ standIn: flag });
    return choice.kind === 'stand-in' ? { standIn: choice.reason } : {};
  } catch {
    return {}; // a blank key: the run refuses to start and says so; the plan names the configured model
  }
}

/** The e2e command the run would use (given or detected) and when it runs, for the plan's phase validation. */
function e2e(settings: RunSettings, repo: string): { e2eCommand?: string; e2eAfter?: RunSettings['e2eAfter'] } {
  if (settings.e2eAfter === 'never') return { e2eAfter: 'never' };
  const command = settings.e2eCommand ?? detectE2eCommand(repo);
  return { ...(command ? { e2eCommand: command } : {}), ...(settings.e2eAfter ? { e2eAfter: settings.e2eAfter } : {}) };
}
