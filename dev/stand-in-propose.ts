import { randomBytes } from 'node:crypto';

/**
 * The stand-in model's answer to a request offering a `propose_tasks` tool (`flotilla discover
 * --instruction`): a deterministic split of the instruction, one task per top-level entry (file or
 * folder) under the path the instruction names, or under the whole listing when it names none. Like the
 * rest of the stand-in it reads only the request: the <instruction> and <files> blocks of the first message.
 */

type Block = { type: string; [k: string]: unknown };
type Message = { role: 'user' | 'assistant'; content: string | Block[] };

const CODE = /\.(?:[cm]?[jt]sx?|py|go|rs|java|rb|kt|swift|c|cc|cpp|h|hpp|cs|php)$/;
const TEST = /(?:^|\/)(?:test|tests|__tests__)\/|\.(?:test|spec)\.[^/]+$|(?:^|\/)test_[^/]+\.py$/;

/** The name of the propose tool the request offers, if any. */
export function proposeToolOf(tools: unknown): string | null {
  if (!Array.isArray(tools)) return null;
  const t = tools.find(
    (x) => x && typeof x === 'object' && /^propose_tasks$/.test(String((x as { name?: unknown }).name)),
  );
  return t ? String((t as { name: string }).name) : null;
}

const textOf = (c: Message['content']) =>
  typeof c === 'string' ? c : c.map((b) => (b.type === 'text' ? String(b.text) : '')).join('\n');

function categoryOf(instruction: string): string {
  const s = instruction.toLowerCase();
  if (/jsdoc|docstring|doc comment|document|comments?\b/.test(s)) return 'docs';
  if (/\btests?\b|coverage/.test(s)) return 'tests';
  if (/\bany\b|types?\b|typing|annotat/.test(s)) return 'types';
  if (/unused|dead code|remove .*unused/.test(s)) return 'dead-code';
  if (/\brename|naming|names?\b/.test(s)) return 'naming';
  if (/error|exception|throw/.test(s)) return 'error-handling';
  if (/lint|eslint|ruff|style/.test(s)) return 'lint';
  return 'refactor';
}

/** The tool input: the tasks the instruction splits into. */
export function proposeTasksInput(instruction: string, files: string[]): { tasks: Record<string, unknown>[] } {
  const wantsTests = /\btests?\b/i.test(instruction);
  const usable = (fs: string[]) => {
    const code = fs.filter((f) => CODE.test(f) && (wantsTests || !TEST.test(f)));
    return code.length ? code : fs;
  };
  // The longest path-like word of the instruction that is a listed file or a folder of listed files.
  const words = instruction.match(/[\w@.-]+(?:\/[\w@.-]*)*/g) ?? [];
  const scopes = words
    .map((w) => w.replace(/^\.\//, '').replace(/[.,;:]+$/, ''))
    .filter((w) => w.includes('/') || /\.\w+$/.test(w))
    .map((w) => w.replace(/\/+$/, ''))
    .filter((w) => w && files.some((f) => f === w || f.startsWith(`${w}/`)))
    .sort((a, b) => b.length - a.length);
  const scope = scopes[0] ?? '';
  const inScope = usable(scope ? files.filter((f) => f === scope || f.startsWith(`${scope}/`)) : files);
  const groups = new Map<string, string[]>();
  for (const f of inScope) {
    const rest = scope && f !== scope ? f.slice(scope.length + 1) : f;
    const head = rest.split('/')[0];
    const entry = f === scope ? f : scope ? `${scope}/${head}` : head;
    groups.set(entry, [...(groups.get(entry) ?? []), f]);
  }
  const category = categoryOf(instruction);
  const what = instruction
    .trim()
    .replace(/\s+/g, ' ')
    .replace(/[.\s]+$/, '');
  const short = what.length > 90 ? `${what.slice(0, 87)}…` : what;
  return {
    tasks: [...groups.entries()]
      .sort((a, b) => a[0].localeCompare(b[0]))
      .map(([entry, fs]) => ({
        title: `${short} (${entry})`,
        category,
        risk: category === 'docs' || category === 'tests' ? 'low' : 'medium',
        files: fs.sort(),
        description: `${what}, in ${entry}.\n\nFiles: ${fs.join(', ')}.`,
      })),
  };
}

/** The assistant message: one propose tool call built from the first user message. */
export function proposeReply(messages: Message[], toolName: string): { content: Block[]; stop_reason: string } {
  const first = messages.find((m) => m.role === 'user');
  const text = first ? textOf(first.content) : '';
  const instruction = /<instruction>\n?([\s\S]*?)\n?<\/instruction>/.exec(text)?.[1] ?? text;
  const listing = /<files>\n?([\s\S]*?)\n?<\/files>/.exec(text)?.[1] ?? '';
  const files = listing
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('…'));
  const input = proposeTasksInput(instruction, files);
  return {
    content: [
      { type: 'text', text: `Splitting the instruction into ${input.tasks.length} task(s).` },
      { type: 'tool_use', id: `toolu_${randomBytes(12).toString('hex')}`, name: toolName, input },
    ],
    stop_reason: 'tool_use',
  };
}
