import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { buildPlan, parseTaskFiles } from '../planner';
import type { Plan, TaskFile, TaskProblem } from '../planner/types';
import { readTextSafeSync } from '../activities/safe-read';
import { type NewTaskFile, type TaskDraft } from './types';

/** The front-matter field holding a finding group's stable key: a re-run skips keys already written. */
export const KEY_FIELD = 'discover-key';

const FRONT_MATTER = /^---\r?\n([\s\S]*?)\r?\n---[ \t]*(?:\r?\n|$)/;

/** What tasks/ and tasks/archive/ already hold: discover keys, ids and the highest TASK number. */
export interface ExistingTasks {
  keys: Set<string>;
  ids: Set<string>;
  maxNumber: number;
  /** Digits of the widest TASK number seen (at least 4). */
  width: number;
  /** The task files of tasks/ (not the archive), for planning them together with the new ones. */
  files: TaskFile[];
}

export function readExistingTasks(repo: string): ExistingTasks {
  const out: ExistingTasks = { keys: new Set(), ids: new Set(), maxNumber: 0, width: 4, files: [] };
  for (const dir of ['tasks', 'tasks/archive']) {
    const abs = path.join(repo, dir);
    if (!fs.existsSync(abs)) continue;
    for (const name of fs.readdirSync(abs).sort()) {
      if (!name.endsWith('.md')) continue;
      let text: string;
      try {
        text = readTextSafeSync(path.join(abs, name), 1024 * 1024);
      } catch {
        continue; // a link, a FIFO, a huge file: not a task file
      }
      if (dir === 'tasks' && !/^readme/i.test(name)) out.files.push({ path: `${dir}/${name}`, text });
      let meta: Record<string, unknown> = {};
      const fm = FRONT_MATTER.exec(text);
      try {
        const parsed = fm ? parseYaml(fm[1]) : null;
        if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) meta = parsed as Record<string, unknown>;
      } catch {
        /* an unparsable file still takes its number from its name */
      }
      const key = meta[KEY_FIELD];
      if (typeof key === 'string' && key.trim()) out.keys.add(key.trim());
      const id = typeof meta.id === 'string' || typeof meta.id === 'number' ? String(meta.id).trim() : '';
      if (id) out.ids.add(id);
      for (const s of [name, id]) {
        const m = /^TASK-(\d+)/i.exec(s);
        if (m) {
          out.maxNumber = Math.max(out.maxNumber, Number(m[1]));
          out.width = Math.max(out.width, m[1].length);
        }
      }
    }
  }
  return out;
}

/** A task file's text: YAML front matter (with the discover key) and the description. */
export function renderTaskFile(id: string, d: TaskDraft): string {
  const meta: Record<string, unknown> = { id, title: d.title, category: d.category, risk: d.risk, files: d.files };
  if (d.tests) meta.tests = d.tests;
  meta[KEY_FIELD] = d.key;
  return `---\n${stringifyYaml(meta, { lineWidth: 0 }).trimEnd()}\n---\n## Description\n${d.description.trim()}\n`;
}

export interface SelectOptions {
  /** Write at most this many new tasks. */
  max?: number;
  /** Only these categories. */
  categories?: string[];
}

/**
 * The drafts to write, with ids after the highest existing TASK number: keys already present (in
 * tasks/ or tasks/archive/) are skipped, then the category filter and --max apply, in the drafts' order.
 */
export function assignIds(
  drafts: TaskDraft[],
  existing: ExistingTasks,
  opts: SelectOptions = {},
): { files: NewTaskFile[]; skippedExisting: TaskDraft[]; skippedByLimit: TaskDraft[] } {
  const skippedExisting: TaskDraft[] = [];
  const skippedByLimit: TaskDraft[] = [];
  const files: NewTaskFile[] = [];
  const seen = new Set(existing.keys);
  let n = existing.maxNumber;
  const cats = opts.categories?.map((c) => c.trim().toLowerCase()).filter(Boolean);
  for (const d of drafts) {
    if (seen.has(d.key)) {
      skippedExisting.push(d);
      continue;
    }
    if (cats?.length && !cats.includes(d.category)) continue;
    if (opts.max !== undefined && files.length >= opts.max) {
      skippedByLimit.push(d);
      continue;
    }
    seen.add(d.key);
    let id: string;
    do id = `TASK-${String(++n).padStart(existing.width, '0')}`;
    while (existing.ids.has(id));
    files.push({ id, path: `tasks/${id}.md`, text: renderTaskFile(id, d), draft: d });
  }
  return { files, skippedExisting, skippedByLimit };
}

/**
 * Plans the existing task files together with the new ones, as `flotilla plan` would, and returns the
 * problems the planner has with the new ones (empty: they plan cleanly) and the plan.
 */
export function checkWithPlanner(
  repoName: string,
  existing: TaskFile[],
  added: NewTaskFile[],
  existingFiles: ReadonlySet<string>,
): { problems: TaskProblem[]; plan: Plan } {
  const newPaths = new Set(added.map((f) => f.path));
  const { tasks, problems } = parseTaskFiles([
    ...existing.filter((f) => !newPaths.has(f.path)),
    ...added.map((f) => ({ path: f.path, text: f.text })),
  ]);
  const plan = buildPlan(tasks, problems, {
    repoName,
    testCommand: 'npm test',
    sequentialRisk: 'high',
    maxParallel: 4,
    existingFiles,
  });
  return { problems: plan.skipped.filter((p) => newPaths.has(p.file)), plan };
}

/** Writes the new task files (never over an existing file). */
export function writeTaskFiles(repo: string, files: NewTaskFile[]): void {
  fs.mkdirSync(path.join(repo, 'tasks'), { recursive: true });
  for (const f of files) fs.writeFileSync(path.join(repo, f.path), f.text, { flag: 'wx' });
}
