import { type ModelAccess, modelClient } from '../../activities/model-client';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startStandInModel, type StandInModel } from '../../dev/stand-in-model';
import { analyseRepository, prepareTaskFiles, type Prepared, summaryLines, writeTaskFiles } from '../../discover';
import { draftsFromProposal, proposeTasks } from '../../discover/instruction';
import { KNOWN_CATEGORIES, type TaskDraft } from '../../discover/types';
import { bool, type Command, num, type ParsedArgs, str, UsageError } from '../args';
import { DEFAULT_MODEL } from '../run-settings';
import { chooseModel } from '../model-access';

/**
 * `flotilla discover --repo DIR [--dry-run] [--max N] [--category C[,C]] [--no-lint]`: finds code-quality work
 * with offline analysers (the TypeScript compiler, TODO/FIXME, the repository's ESLint and ruff) and writes a
 * task file per file and kind of finding. `--instruction "…"` instead asks the model to split one instruction
 * into tasks. Every file carries a `discover-key`, so a re-run only adds what is new; nothing is written
 * unless the planner accepts every new file.
 */
export const discoverCommand: Command = {
  name: 'discover',
  summary: 'write task files for the code-quality work offline analysers find, or split one instruction into tasks',
  details:
    "Analysers: the TypeScript compiler (docs, types, dead code), TODO/FIXME comments, and the repository's own ESLint and ruff when configured (run in the sandbox, like tests: without bubblewrap they are skipped).\n" +
    'Each file carries a discover-key in its front matter, so running it again writes only what is new. Nothing is written unless the planner accepts every new file.',
  flags: {
    repo: {
      type: 'string',
      value: 'DIR',
      default: '.',
      description: 'the repository; task files go to its tasks/ folder',
    },
    'dry-run': { type: 'boolean', description: 'print what would be written, write nothing' },
    max: {
      type: 'string',
      value: 'N',
      int: { min: 0 },
      description: 'write at most N task files',
      defaultText: 'no limit',
    },
    category: {
      type: 'string',
      value: 'C[,C]',
      description: 'only these categories (docs, types, dead-code, todo, lint…)',
      defaultText: 'all',
    },
    'no-lint': { type: 'boolean', description: "do not run the repository's linters" },
    instruction: {
      type: 'string',
      value: 'TEXT',
      description: 'ask the model to split this instruction into tasks (the stand-in model without ANTHROPIC_API_KEY)',
    },
    model: {
      type: 'string',
      value: 'M',
      description: 'model for --instruction',
      defaultText: 'FLOTILLA_MODEL or claude-haiku-4-5',
    },
  },
  examples: [
    'flotilla discover --repo ../my-repo --dry-run',
    'flotilla discover --repo ../my-repo --category docs,types --max 10',
    'flotilla discover --repo ../my-repo --instruction "Add JSDoc to every exported function in src/"',
  ],
  run: discover,
};

async function discover(args: ParsedArgs, out: (s: string) => void): Promise<number> {
  const repo = path.resolve(str(args, 'repo') ?? '.');
  if (!fs.existsSync(repo) || !fs.statSync(repo).isDirectory())
    throw new UsageError(`${repo} is not a folder: pass the repository with --repo.`);
  const dryRun = bool(args, 'dry-run');
  const max = num(args, 'max');
  const categories = str(args, 'category')
    ?.split(',')
    .map((c) => c.trim().toLowerCase())
    .filter(Boolean);
  const unknown = categories?.filter((c) => !(KNOWN_CATEGORIES as readonly string[]).includes(c)) ?? [];
  if (unknown.length)
    throw new UsageError(`--category ${unknown.join(', ')}: not a category (${KNOWN_CATEGORIES.join(', ')})`);
  const instruction = str(args, 'instruction');
  if (instruction !== undefined && !instruction.trim())
    throw new UsageError('--instruction needs the text of the instruction');

  const analysis = analyseRepository(repo, { linters: !bool(args, 'no-lint') });
  let drafts: TaskDraft[] = analysis.drafts;
  const notes = [...analysis.notes];
  if (instruction) {
    const proposed = await proposeWithModel(args, repo, instruction, analysis, out);
    for (const p of proposed.problems) notes.push(`dropped from the model's answer: ${p}`);
    if (!proposed.drafts.length) {
      out(
        `The model proposed no usable task for the instruction${proposed.problems.length ? `:\n${proposed.problems.map((p) => `  - ${p}`).join('\n')}` : '.'}`,
      );
      return 1;
    }
    drafts = proposed.drafts;
  }

  const prepared: Prepared = prepareTaskFiles(repo, drafts, analysis.files, {
    max,
    ...(categories?.length ? { categories } : {}),
  });
  if (prepared.problems.length) {
    out(`Nothing written: the planner does not accept ${prepared.problems.length} of the new task files:`);
    for (const p of prepared.problems) out(`  ${p.file}${p.id ? ` (${p.id})` : ''}: ${p.reason}`);
    return 1;
  }
  for (const f of prepared.files)
    out(
      `${dryRun ? 'would write' : 'wrote'} ${f.path}  ${f.draft.category}/${f.draft.risk}  ${f.draft.title}  [${f.draft.key}]`,
    );
  if (!dryRun) writeTaskFiles(repo, prepared.files);
  if (prepared.files.length) out('');
  for (const line of summaryLines(repo, prepared, notes, {
    dryRun,
    ...(instruction ? {} : { findings: analysis.findings.length }),
  }))
    out(line);
  return 0;
}

/** The model's split of the instruction: the Anthropic API with ANTHROPIC_API_KEY, else the stand-in model (only the base URL differs). */
async function proposeWithModel(
  args: ParsedArgs,
  repo: string,
  instruction: string,
  analysis: ReturnType<typeof analyseRepository>,
  out: (s: string) => void,
): Promise<{ drafts: TaskDraft[]; problems: string[] }> {
  const model = str(args, 'model') ?? process.env.FLOTILLA_MODEL?.trim() ?? DEFAULT_MODEL;
  const choice = chooseModel();
  let standIn: StandInModel | null = null;
  let access: ModelAccess;
  if (choice.kind === 'anthropic') {
    access = { apiKey: choice.apiKey, ...(choice.baseURL ? { baseURL: choice.baseURL } : {}) };
    out(`Model: ${model} on the Anthropic API${choice.baseURL ? ` at ${choice.baseURL}` : ''}`);
  } else {
    standIn = await startStandInModel();
    access = { apiKey: 'stand-in-model', baseURL: standIn.url };
    out(
      `Model: STAND-IN (not Claude) at ${standIn.url}, because ${choice.reason}: it splits the instruction by the path it names. Set ANTHROPIC_API_KEY for Claude.`,
    );
  }
  try {
    // The CLI has no Temporal retry policy behind it: the SDK retries a couple of times itself.
    const client = modelClient(access, { retries: 2 });
    const r = await proposeTasks({ client, model, instruction, repoName: path.basename(repo), analysis, log: out });
    out(`The model proposed ${r.tasks.length} task(s) (${r.usage.input} input and ${r.usage.output} output tokens).`);
    return { drafts: draftsFromProposal(instruction, r.tasks, analysis), problems: r.problems };
  } finally {
    await standIn?.close();
  }
}
