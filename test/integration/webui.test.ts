import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { startRun } from '../../client/start-run';
import { readRunReport } from '../../client/read-report';
import { FLOTILLA_STATE } from '../../core/search-attributes';
import { startStandInModel } from '../../dev/stand-in-model';
import { type DevServer, freePort, startDevServer } from '../../dev/temporal-server';
import { createFlotillaWorkers } from '../../worker/worker';
import { makeSampleRepo } from '../helpers/sample-repo';

/** Debian's chromium (.ci/run installs it); CHROMIUM_PATH points elsewhere. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const OUTPUT = path.resolve(__dirname, '../../test-output');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The Web UI as a console: a dev server of its own with the UI (the suite's server is headless), a worker,
 * and a live run whose tasks wait for approval. Headless Chromium filters the workflows by FlotillaState,
 * finds the run, opens it, and saves screenshots to test-output/.
 */
describe('the Web UI', () => {
  let server: DevServer;
  let browser: Browser | undefined;
  let stop: () => Promise<void> = async () => undefined;
  let taskQueue = '';

  beforeAll(async () => {
    if (!fs.existsSync(CHROMIUM))
      throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (.ci/run does it), or set CHROMIUM_PATH`);
    const port = await freePort();
    server = await startDevServer({ port, uiPort: await freePort(), headless: false });
    try {
      Runtime.install({ logger: new DefaultLogger('WARN') });
    } catch {
      /* installed by another test file in this process */
    }
    const standIn = await startStandInModel({});
    const native = await NativeConnection.connect({ address: server.address });
    const workers = await createFlotillaWorkers({
      connection: native,
      namespace: 'default',
      taskQueue: `webui-${Date.now()}`,
      modelAccess: { apiKey: 'test-key', baseURL: standIn.url },
      worktreeRoot: fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-wt-')),
    });
    const running = workers.run();
    stop = async () => {
      workers.shutdown();
      await running;
      await native.close();
      await standIn.close();
    };
    taskQueue = workers.taskQueue;
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await stop();
    await server?.stop();
  });

  it('filters by FlotillaState, finds the live run and shows it', async () => {
    const connection = await Connection.connect({ address: server.address });
    const client = new Client({ connection, namespace: 'default' });
    const runId = `webui-${Date.now()}`;
    const workflowId = `flotilla-${runId}`;
    const handle = await startRun(
      client,
      {
        runId,
        repoPath: await makeSampleRepo(),
        model: 'claude-haiku-4-5',
        maxParallel: 2,
        attempts: 1,
        maxTurns: 10,
        sequentialRisk: 'high',
        approveRisk: 'low',
      },
      taskQueue,
    );
    try {
      // The run plans, runs its baseline, and then its first tasks wait for approval: FlotillaState says so.
      const deadline = Date.now() + 120_000;
      while ((await handle.describe()).typedSearchAttributes.get(FLOTILLA_STATE) !== 'awaiting-approval') {
        if (Date.now() > deadline)
          throw new Error(
            `the run never waited for approval: ${JSON.stringify((await readRunReport(client, runId)).status)}`,
          );
        await sleep(500);
      }
      fs.mkdirSync(OUTPUT, { recursive: true });
      browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
      const page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
      const query = `FlotillaState="awaiting-approval"`;
      const list = `${server.uiUrl}/namespaces/default/workflows?query=${encodeURIComponent(query)}`;
      // Visibility is eventually consistent: reload until the run shows in the filtered list.
      let found = false;
      for (let i = 0; i < 20 && !found; i++) {
        await page.goto(list, { waitUntil: 'networkidle' });
        found = await page
          .getByText(workflowId, { exact: true })
          .first()
          .waitFor({ timeout: 3000 })
          .then(
            () => true,
            () => false,
          );
      }
      await page.screenshot({ path: path.join(OUTPUT, 'webui-runs.png'), fullPage: true });
      expect(found).toBe(true);
      // The filter is applied: the run's own children (still running, FlotillaState running) are not listed.
      expect(await page.getByText(`${workflowId}/phase-1`, { exact: true }).count()).toBe(0);

      await page.getByText(workflowId, { exact: true }).first().click();
      await page.waitForURL(/\/workflows\/flotilla-webui-/, { timeout: 30_000 });
      // The run's page: its summary, and its current details (progress, who waits for approval).
      await page.waitForLoadState('networkidle');
      // The timeline names the activities by their summaries (e.g. "baseline: npm test --silent").
      await page
        .getByText(/baseline: npm test/)
        .first()
        .waitFor({ timeout: 30_000 });
      await page.screenshot({ path: path.join(OUTPUT, 'webui-run.png'), fullPage: true });
      expect(fs.statSync(path.join(OUTPUT, 'webui-run.png')).size).toBeGreaterThan(10_000);
      // Its user metadata: the summary, the settings (static details) and the live progress (current details).
      await page.getByText('User Metadata', { exact: true }).first().click();
      // The UI renders the markdown in sandboxed frames: read every frame's text.
      const shown = async (text: RegExp) => {
        for (let i = 0; i < 60; i++) {
          const texts = await Promise.all(
            page.frames().map((f) =>
              f
                .locator('body')
                .innerText()
                .catch(() => ''),
            ),
          );
          if (text.test(texts.join('\n'))) return true;
          await sleep(500);
        }
        return false;
      };
      expect(await shown(new RegExp(`Flotilla run ${runId} on /`))).toBe(true);
      expect(await shown(/max parallel\s+2/)).toBe(true);
      expect(await shown(/Waiting for approval: TASK-0001/)).toBe(true);
      await page.screenshot({ path: path.join(OUTPUT, 'webui-run-metadata.png'), fullPage: true });
      expect(await page.content()).toContain(workflowId);
    } finally {
      await handle.terminate('test done').catch(() => undefined);
      await connection.close();
    }
  });
});
