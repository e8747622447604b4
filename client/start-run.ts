import { type Client, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { cutBytes, flotillaAttributes } from '../core/search-attributes';
import type { RunSettings } from '../core/types';
import { DEFAULT_TASK_QUEUE } from '../worker/task-queue';
import { flotillaRun } from '../workflows/run';
import { checkSearchAttributes, missingAttributesMessage } from './search-attributes';

export const runWorkflowId = (runId: string) => `flotilla-${runId}`;

/** The run's settings, as markdown for the Web UI's "details" of the run (fixed at start). */
export function runDetails(s: RunSettings): string {
  const rows: [string, unknown][] = [
    ['repository', s.repoPath],
    ['model', s.model],
    ['max parallel', s.maxParallel],
    ['attempts per task', s.attempts],
    ['max agent turns', s.maxTurns],
    ['test command', s.testCommand ?? 'detected'],
    ['e2e command', s.e2eCommand],
    ['sequential risk', s.sequentialRisk],
    ['approve risk', s.approveRisk],
    ['review', `${s.review ?? 'gate'}${s.reviewModel ? ` (${s.reviewModel})` : ''}`],
    ['budget', s.budgetUsd !== undefined ? `$${s.budgetUsd}` : undefined],
    ['max tokens per task', s.maxTokensPerTask],
    ['segment tasks', s.segmentTasks],
    ['allow failing baseline', s.allowFailingBaseline],
  ];
  const cell = (v: unknown) => String(v).replace(/\|/g, '/').replace(/\n/g, ' ');
  return [
    `**Flotilla run ${s.runId}**`,
    '',
    '| setting | value |',
    '|---|---|',
    ...rows.filter(([, v]) => v !== undefined && v !== false).map(([k, v]) => `| ${k} | ${cell(v)} |`),
  ].join('\n');
}

/**
 * Starts a run. A run id names one run for good: starting it again, while that run goes on or after it
 * ended, is refused with an error naming the existing run (never resumed silently, never reported as
 * someone else's work). When the namespace has Flotilla's search attributes, the run (and its children)
 * carry them; else `log` says how to register them and the run goes without.
 */
export async function startRun(
  client: Client,
  settings: RunSettings,
  taskQueue = DEFAULT_TASK_QUEUE,
  log?: (line: string) => void,
) {
  const workflowId = runWorkflowId(settings.runId);
  const attributes = await checkSearchAttributes(client);
  if (!attributes.registered) log?.(missingAttributesMessage(client.options.namespace, attributes));
  try {
    return await client.workflow.start(flotillaRun, {
      taskQueue,
      workflowId,
      args: [settings],
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      workflowIdConflictPolicy: 'FAIL',
      staticSummary: cutBytes(`Flotilla run ${settings.runId} on ${settings.repoPath}`),
      staticDetails: runDetails(settings),
      // For `flotilla runs`: which repository a run works on (a path, never a secret).
      memo: { repoPath: settings.repoPath },
      ...(attributes.registered
        ? { typedSearchAttributes: flotillaAttributes(settings.runId, settings.repoPath) }
        : {}),
    });
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    const existing = await client.workflow
      .getHandle(workflowId)
      .describe()
      .then((d) => `${d.status.name.toLowerCase()}, started ${d.startTime.toISOString()}`)
      .catch(() => 'its state unknown');
    throw new Error(
      `run id ${settings.runId} is already taken by workflow ${workflowId} (${existing}). Pick another --run-id, or look at that run with: flotilla status ${settings.runId}`,
    );
  }
}
