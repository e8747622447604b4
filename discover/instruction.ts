import type Anthropic from '@anthropic-ai/sdk';
import { createHash } from 'node:crypto';
import { repoRelative } from '../planner/paths';
import { RISKS, type Risk } from '../planner/types';
import type { Analysis } from './index';
import { isTestFile } from './repo-files';
import { KNOWN_CATEGORIES, type TaskDraft } from './types';

/** The tool the model answers with: the tasks one instruction splits into. */
export const PROPOSE_TOOL = 'propose_tasks';
/** Files listed in the prompt at most (the rest are counted). */
const MAX_LISTED_FILES = 3000;

export const proposeTool = (): Anthropic.Tool => ({
  name: PROPOSE_TOOL,
  description:
    'Propose the tasks that together carry out the instruction. Each task is done by a separate coding agent, alone, in one sitting, and must leave the tests passing.',
  input_schema: {
    type: 'object',
    properties: {
      tasks: {
        type: 'array',
        minItems: 1,
        items: {
          type: 'object',
          properties: {
            title: {
              type: 'string',
              description:
                'Imperative, one line, without any task id (e.g. "Add JSDoc to the exported functions of src/parser.ts").',
            },
            category: { type: 'string', enum: [...KNOWN_CATEGORIES] },
            risk: {
              type: 'string',
              enum: [...RISKS],
              description:
                'low: no behaviour change; medium: local behaviour or exported types; high: public behaviour or many importers.',
            },
            files: {
              type: 'array',
              items: { type: 'string' },
              description:
                'Repo-relative paths the task edits, from the listing (a new file only in an existing folder).',
            },
            description: {
              type: 'string',
              description:
                'What to change, where, and how to check it: enough for an agent that sees only this text and the files.',
            },
          },
          required: ['title', 'category', 'risk', 'files', 'description'],
        },
      },
    },
    required: ['tasks'],
  },
});

export const SYSTEM_PROMPT = `You plan code-quality work for a team of coding agents. Split the user's instruction into tasks: one per module or small group of closely related files, each small enough for one agent to finish and test alone, and no two tasks editing the same file. Use only paths from the repository listing (a new file is allowed only in a folder that exists). Use the analysers' facts to decide what each task must do, and cite line numbers in descriptions. Answer by calling ${PROPOSE_TOOL} once with every task.`;

/** Facts per file for the prompt: what the analysers found (by kind, with lines), importers and tests. */
export function factsText(analysis: Analysis): string {
  const byFile = new Map<string, Map<string, number[]>>();
  for (const f of analysis.findings) {
    if (!byFile.has(f.file)) byFile.set(f.file, new Map());
    const kinds = byFile.get(f.file)!;
    kinds.set(f.kind, [...(kinds.get(f.kind) ?? []), f.line]);
  }
  const lines: string[] = [];
  for (const file of analysis.files) {
    const kinds = byFile.get(file);
    const importers = analysis.facts.importers(file).length;
    if (!kinds && !importers) continue;
    const parts = [`${importers} importer${importers === 1 ? '' : 's'}`];
    const tests = analysis.facts.testCommand(analysis.facts.testFiles(file));
    if (tests && !isTestFile(file)) parts.push(`tests: ${tests}`);
    for (const [kind, ls] of kinds ?? [])
      parts.push(
        `${kind} at lines ${[...new Set(ls)]
          .sort((a, b) => a - b)
          .slice(0, 30)
          .join(', ')}`,
      );
    lines.push(`${file}: ${parts.join('; ')}`);
  }
  return lines.join('\n');
}

export function instructionPrompt(instruction: string, repoName: string, analysis: Analysis): string {
  const listed = analysis.files.slice(0, MAX_LISTED_FILES);
  const more = analysis.files.length - listed.length;
  return [
    `<instruction>\n${instruction.trim()}\n</instruction>`,
    `<repository name="${repoName}">`,
    `<files>\n${listed.join('\n')}${more > 0 ? `\n… and ${more} more files` : ''}\n</files>`,
    `<facts>\n${factsText(analysis) || '(the analysers found nothing)'}\n</facts>`,
    `</repository>`,
    `Known categories: ${KNOWN_CATEGORIES.join(', ')}. Call ${PROPOSE_TOOL} with the tasks.`,
  ].join('\n');
}

/** A task as the model proposed it, checked: known category and risk, files that exist (or are clearly new). */
export interface ProposedTask {
  title: string;
  category: string;
  risk: Risk;
  /** Existing files it edits. */
  files: string[];
  /** Files it creates, in folders that exist (not in front matter: the planner only accepts existing files). */
  newFiles: string[];
  description: string;
}

/** Checks the tool input; returns the valid tasks and a line per problem (for the model's second try). */
export function validateProposal(
  input: unknown,
  repoFiles: readonly string[],
): { tasks: ProposedTask[]; problems: string[] } {
  const problems: string[] = [];
  const tasks: ProposedTask[] = [];
  const list = (input as { tasks?: unknown })?.tasks;
  if (!Array.isArray(list) || !list.length) return { tasks, problems: ['`tasks` must be a non-empty array'] };
  const files = new Set(repoFiles);
  const dirs = new Set(
    repoFiles.flatMap((f) =>
      f
        .split('/')
        .slice(0, -1)
        .map((_, i, parts) => parts.slice(0, i + 1).join('/')),
    ),
  );
  list.forEach((raw, i) => {
    const t = (raw ?? {}) as Record<string, unknown>;
    const at = `tasks[${i}]`;
    const mine: string[] = [];
    const title =
      typeof t.title === 'string'
        ? t.title
            .replace(/\s+/g, ' ')
            .replace(/^(?:TASK-\d+\s*[:—-]\s*)/i, '')
            .trim()
        : '';
    if (!title) mine.push(`${at}.title is missing`);
    const category = typeof t.category === 'string' ? t.category.trim().toLowerCase() : '';
    if (!(KNOWN_CATEGORIES as readonly string[]).includes(category))
      mine.push(`${at}.category "${String(t.category)}" is not one of ${KNOWN_CATEGORIES.join(', ')}`);
    const risk = (typeof t.risk === 'string' ? t.risk.trim().toLowerCase() : '') as Risk;
    if (!RISKS.includes(risk)) mine.push(`${at}.risk "${String(t.risk)}" is not one of low, medium, high`);
    const description = typeof t.description === 'string' ? t.description.trim() : '';
    if (!description) mine.push(`${at}.description is missing`);
    const existing: string[] = [];
    const created: string[] = [];
    if (!Array.isArray(t.files) || !t.files.length) mine.push(`${at}.files must list at least one file`);
    for (const f of Array.isArray(t.files) ? t.files : []) {
      const rel = typeof f === 'string' ? repoRelative(f) : null;
      if (!rel) {
        mine.push(`${at}.files: "${String(f)}" is not a path inside the repository`);
      } else if (files.has(rel)) {
        existing.push(rel);
      } else if (dirs.has(rel)) {
        // A folder stands for its files.
        existing.push(...repoFiles.filter((x) => x.startsWith(`${rel}/`)));
      } else if (/\.[A-Za-z0-9]+$/.test(rel) && (!rel.includes('/') || dirs.has(rel.slice(0, rel.lastIndexOf('/'))))) {
        created.push(rel);
      } else {
        mine.push(`${at}.files: "${rel}" does not exist and is not a new file in an existing folder`);
      }
    }
    if (mine.length) return void problems.push(...mine);
    tasks.push({
      title: title.slice(0, 160),
      category,
      risk,
      files: [...new Set(existing)],
      newFiles: [...new Set(created)],
      description,
    });
  });
  return { tasks, problems };
}

const hash = (s: string) => createHash('sha256').update(s).digest('hex').slice(0, 10);

/** The stable key of a proposed task: the instruction and the files it covers (or its title when it only creates). */
export function instructionKey(instruction: string, t: Pick<ProposedTask, 'files' | 'newFiles' | 'title'>): string {
  const scope = [...t.files, ...t.newFiles].sort().join(',') || t.title.toLowerCase();
  return `instruction:${hash(instruction.trim().replace(/\s+/g, ' ').toLowerCase())}:${scope.length <= 120 ? scope : hash(scope)}`;
}

/** Drafts from the checked proposal: the related tests, the new files and the instruction go into each description. */
export function draftsFromProposal(instruction: string, tasks: ProposedTask[], analysis: Analysis): TaskDraft[] {
  return tasks.map((t) => {
    const testFiles = [...new Set(t.files.flatMap((f) => analysis.facts.testFiles(f)))].sort();
    const tests = analysis.facts.testCommand(testFiles);
    const description = [
      t.description,
      '',
      ...(t.newFiles.length ? [`New files to create: ${t.newFiles.join(', ')}.`, ''] : []),
      `How to check: the tests still pass${tests ? ` (\`${tests}\`)` : ''}.`,
      '',
      `Part of the instruction: "${instruction.trim().replace(/\s+/g, ' ')}" (split by \`flotilla discover --instruction\`).`,
    ].join('\n');
    return {
      key: instructionKey(instruction, t),
      title: t.title,
      category: t.category,
      risk: t.risk,
      riskReason: 'from the model',
      files: t.files,
      ...(tests ? { tests } : {}),
      description,
    };
  });
}

export interface ProposeOptions {
  client: Anthropic;
  model: string;
  instruction: string;
  repoName: string;
  analysis: Analysis;
  /** Rounds with the model at most (a round after the first gets the problems of the last answer). */
  rounds?: number;
  log?: (line: string) => void;
}

/**
 * Asks the model to split the instruction into tasks (Messages API, a forced propose_tasks tool call),
 * checks its answer and, when some tasks are invalid, asks once more with the problems. Returns the valid
 * tasks and the problems left.
 */
export async function proposeTasks(
  o: ProposeOptions,
): Promise<{ tasks: ProposedTask[]; problems: string[]; usage: { input: number; output: number } }> {
  const messages: Anthropic.MessageParam[] = [
    { role: 'user', content: instructionPrompt(o.instruction, o.repoName, o.analysis) },
  ];
  const usage = { input: 0, output: 0 };
  let last: { tasks: ProposedTask[]; problems: string[] } = { tasks: [], problems: ['the model did not answer'] };
  for (let round = 1; round <= (o.rounds ?? 2); round++) {
    const response = await o.client.messages.create({
      model: o.model,
      max_tokens: 8192,
      system: SYSTEM_PROMPT,
      tools: [proposeTool()],
      tool_choice: { type: 'tool', name: PROPOSE_TOOL },
      messages,
    });
    usage.input += response.usage.input_tokens;
    usage.output += response.usage.output_tokens;
    const call = response.content.find(
      (b): b is Anthropic.ToolUseBlock => b.type === 'tool_use' && b.name === PROPOSE_TOOL,
    );
    if (!call) {
      last = {
        tasks: [],
        problems: [`the model answered without calling ${PROPOSE_TOOL} (stop_reason ${response.stop_reason})`],
      };
      messages.push(
        { role: 'assistant', content: response.content as Anthropic.ContentBlockParam[] },
        { role: 'user', content: `Call ${PROPOSE_TOOL} with the tasks.` },
      );
      continue;
    }
    last = validateProposal(call.input, o.analysis.files);
    if (!last.problems.length) break;
    o.log?.(
      `The model's answer has ${last.problems.length} problem(s)${round < (o.rounds ?? 2) ? '; asking again' : ''}: ${last.problems.slice(0, 3).join('; ')}`,
    );
    messages.push(
      { role: 'assistant', content: response.content as Anthropic.ContentBlockParam[] },
      {
        role: 'user',
        content: [
          {
            type: 'tool_result',
            tool_use_id: call.id,
            is_error: true,
            content: `Fix these and call ${PROPOSE_TOOL} again with the complete list:\n${last.problems.map((p) => `- ${p}`).join('\n')}`,
          },
        ],
      },
    );
  }
  return { ...last, usage };
}
