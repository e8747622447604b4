// Flotilla's custom search attributes: the Web UI and `flotilla runs` filter runs (and their children) on them. Pure.
import { defineSearchAttributeKey, type SearchAttributePair, SearchAttributeType } from '@temporalio/common';
import type { RunReport } from './types';

/** The run id, on the run and every child workflow of it. */
export const FLOTILLA_RUN_ID = defineSearchAttributeKey('FlotillaRunId', SearchAttributeType.KEYWORD);
/** The repository's absolute path. */
export const FLOTILLA_REPO = defineSearchAttributeKey('FlotillaRepo', SearchAttributeType.KEYWORD);
/** Where the workflow stands, kept current by the workflow itself (see FlotillaState). */
export const FLOTILLA_STATE = defineSearchAttributeKey('FlotillaState', SearchAttributeType.KEYWORD);

export const SEARCH_ATTRIBUTE_NAMES = [FLOTILLA_RUN_ID.name, FLOTILLA_REPO.name, FLOTILLA_STATE.name] as const;

/** A run's states; a task child also ends as `skipped`. */
export const FLOTILLA_STATES = [
  'running',
  'paused',
  'awaiting-approval',
  'completed',
  'failed',
  'cancelled',
  'aborted',
  'skipped',
] as const;
export type FlotillaState = (typeof FLOTILLA_STATES)[number];

/** The attributes a run (or a child of it) starts with. */
export function flotillaAttributes(
  runId: string,
  repoPath: string,
  state: FlotillaState = 'running',
): SearchAttributePair[] {
  return [
    { key: FLOTILLA_RUN_ID, value: runId },
    { key: FLOTILLA_REPO, value: repoPath },
    { key: FLOTILLA_STATE, value: state },
  ];
}

/** The run's FlotillaState from its status: starting and planning count as running; tasks waiting for approval show. */
export function runStateOf(r: Pick<RunReport, 'status' | 'tasks'>): FlotillaState {
  switch (r.status) {
    case 'starting':
    case 'planning':
    case 'running':
      return r.tasks.some((t) => t.status === 'awaiting-approval') ? 'awaiting-approval' : 'running';
    default:
      return r.status;
  }
}

/** The `temporal` command that registers the attributes on a namespace. */
export function createAttributesCommand(
  namespace: string,
  missing: readonly string[] = SEARCH_ATTRIBUTE_NAMES,
): string {
  return `temporal operator search-attribute create --namespace ${namespace} ${missing.map((n) => `--name ${n} --type Keyword`).join(' ')}`;
}

/** `temporal server start-dev` flags that register them on a dev server. */
export const DEV_SERVER_ATTRIBUTE_FLAGS: string[] = SEARCH_ATTRIBUTE_NAMES.flatMap((n) => [
  '--search-attribute',
  `${n}=Keyword`,
]);

/** Bytes of one code point in UTF-8 (a lone surrogate is sent as U+FFFD: 3 bytes). Sandbox-safe (no Buffer). */
const utf8Bytes = (cp: number) => (cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4);

/** Cuts text to at most `maxBytes` bytes of UTF-8 (Temporal's summary limit is in bytes), never inside a character; an ellipsis marks a cut. */
export function cutBytes(text: string, maxBytes = 200): string {
  const ellipsis = 3; // '…'
  let bytes = 0;
  let fits = 0; // UTF-16 length of the longest prefix that leaves room for the ellipsis
  let room = true;
  for (const ch of text) {
    const n = utf8Bytes(ch.codePointAt(0)!);
    room &&= bytes + n <= maxBytes - ellipsis;
    if (room) fits += ch.length;
    bytes += n;
    if (bytes > maxBytes) return `${text.slice(0, fits)}…`;
  }
  return text;
}
