import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * Runs in flight must survive an upgrade of Flotilla: the recorded histories (see record-histories.ts)
 * are replayed with the current workflow code. A failure here means the change would break a run that is
 * going on: guard it with patched() (@temporalio/workflow) and register it in workflows/patches.ts
 * (CONTRIBUTING.md, "The patch policy") instead of changing what old runs did.
 */
const dir = path.join(__dirname, 'histories');
const files = fs
  .readdirSync(dir)
  .flatMap((scenario) => fs.readdirSync(path.join(dir, scenario)).map((f) => path.join(scenario, f)));

it('replays every recorded history with the current workflow code, deterministically', async () => {
  try {
    Runtime.install({ logger: new DefaultLogger('ERROR') });
  } catch {
    /* another test file in this process installed it */
  }
  expect(files.length).toBeGreaterThanOrEqual(20);
  const histories = files.map((f) => {
    const { workflowId, history } = JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8'));
    return { workflowId, history, file: f };
  });
  const failures: string[] = [];
  for await (const r of Worker.runReplayHistories({ workflowsPath: require.resolve('../../workflows') }, histories)) {
    if (r.error) failures.push(`${r.workflowId}: ${r.error.message.slice(0, 400)}`);
  }
  expect(failures).toEqual([]);
});

/** Every payload's text in a history (payloads are base64 JSON in the CLI's output). */
function payloadTexts(node: unknown, out: string[] = []): string[] {
  if (Array.isArray(node)) for (const x of node) payloadTexts(x, out);
  else if (node && typeof node === 'object') {
    const o = node as Record<string, unknown>;
    if (typeof o.data === 'string' && o.metadata) out.push(Buffer.from(o.data, 'base64').toString('utf8'));
    for (const v of Object.values(o)) payloadTexts(v, out);
  }
  return out;
}

it('no history holds the API key the workers were given (the recordings ran with "test-key")', () => {
  const texts = files.flatMap((f) => payloadTexts(JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')).history));
  expect(texts.join('\n')).toContain('TASK-0001'); // the payloads were decoded
  expect(texts.filter((t) => t.includes('test-key'))).toEqual([]);
});
