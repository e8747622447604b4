import type { Risk } from '../planner/types';

/** The kinds of finding the analysers report; each file gets at most one task per kind. */
export type FindingKind = 'docs' | 'types' | 'dead-code' | 'todo' | 'fixme' | 'lint';

/** The task category each kind of finding becomes. */
export const CATEGORY_OF: Record<FindingKind, string> = {
  docs: 'docs',
  types: 'types',
  'dead-code': 'dead-code',
  todo: 'todo',
  fixme: 'todo',
  lint: 'lint',
};

/** The categories a task may have (a model's answer is checked against them). */
export const KNOWN_CATEGORIES = [
  'docs',
  'types',
  'naming',
  'dead-code',
  'refactor',
  'tests',
  'error-handling',
  'lint',
  'todo',
  'performance',
  'security',
] as const;

/** One thing an analyser found, at one line of one repo-relative file. */
export interface Finding {
  kind: FindingKind;
  file: string;
  line: number;
  /** What is wrong, in a few words (e.g. "function `parse` has no doc comment"). */
  message: string;
  /** The finding touches the file's exported API (an exported declaration, its signature). */
  exported?: boolean;
  /** The tool or rule behind it (e.g. "ts6133", "eslint:eqeqeq", "ruff:F401"). */
  rule?: string;
}

/** What a task file will hold, before it gets an id. */
export interface TaskDraft {
  /** Stable identity of the finding group, written as `discover-key`; re-runs skip keys already present. */
  key: string;
  title: string;
  category: string;
  risk: Risk;
  /** Why that risk, in a few words (for the summary and the description). */
  riskReason: string;
  files: string[];
  tests?: string;
  description: string;
}

/** A draft with its id and the path it is (or would be) written to. */
export interface NewTaskFile {
  id: string;
  path: string;
  text: string;
  draft: TaskDraft;
}
