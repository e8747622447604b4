import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { simpleGit } from 'simple-git';
import { connectClient } from '../../client/connection';
import { type LocalStack, startLocalStack } from '../../client/local-stack';
import { startRun } from '../../client/start-run';
import { runSettings } from '../helpers/run-helpers';
import { makeSampleRepo } from '../helpers/sample-repo';

/**
 * A worker and a client reach the server through a TOML profile alone (TEMPORAL_CONFIG_FILE + TEMPORAL_PROFILE,
 * no TEMPORAL_ADDRESS): the worker the way `flotilla dev`/`demo`/`worker` start it (startLocalStack, which must
 * use the profile's server and start no dev server), the client the way the commands make it (connectClient).
 */
describe('connections from a Temporal TOML profile', () => {
  const saved: Record<string, string | undefined> = {};
  const setEnv = (name: string, value: string | undefined) => {
    if (!(name in saved)) saved[name] = process.env[name];
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  };
  let stack: LocalStack | undefined;

  beforeAll(() => {
    const address = process.env.FLOTILLA_TEST_TEMPORAL;
    if (!address)
      throw new Error(
        'FLOTILLA_TEST_TEMPORAL is not set: run the tests through jest (test/global-setup.ts starts the server)',
      );
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-profile-'));
    const toml = path.join(dir, 'temporal.toml');
    fs.writeFileSync(
      toml,
      `[profile.default]\naddress = "127.0.0.1:1"\n\n[profile.custom]\naddress = "${address}"\nnamespace = "default"\n`,
    );
    setEnv('TEMPORAL_CONFIG_FILE', toml);
    setEnv('TEMPORAL_PROFILE', 'custom');
    for (const name of Object.keys(process.env))
      if (
        name.startsWith('TEMPORAL_') &&
        name !== 'TEMPORAL_CONFIG_FILE' &&
        name !== 'TEMPORAL_PROFILE' &&
        name !== 'TEMPORAL_CLI_PATH'
      )
        setEnv(name, undefined);
    setEnv('ANTHROPIC_API_KEY', undefined); // the stand-in model
    setEnv('FLOTILLA_WORKTREES', path.join(dir, 'worktrees'));
  });

  afterAll(async () => {
    await stack?.stop();
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });

  it('runs a backlog end to end with a worker and a client connected through the profile', async () => {
    const lines: string[] = [];
    const taskQueue = `profile-${Math.random().toString(36).slice(2)}`;
    // `flotilla dev --port` with a server in the profile is refused, with what to do (issue 21), and starts nothing.
    await expect(startLocalStack({ port: 1, worker: true, taskQueue, log: () => undefined })).rejects.toThrow(
      /--port 1 is for a local dev server, but profile "custom" of .* names the server at .*: drop --port/,
    );
    stack = await startLocalStack({ worker: true, taskQueue, log: (l) => lines.push(l) });
    expect(stack.address).toBe(process.env.FLOTILLA_TEST_TEMPORAL);
    expect(stack.settings.addressConfigured).toBe(true);
    expect(stack.uiUrl).toBeNull();
    expect(lines.join('\n')).toContain(
      `Using the Temporal server at ${process.env.FLOTILLA_TEST_TEMPORAL}, namespace "default" (from profile "custom" of ${process.env.TEMPORAL_CONFIG_FILE})`,
    );

    const { client, connection, settings } = await connectClient();
    try {
      expect(settings).toEqual({ address: process.env.FLOTILLA_TEST_TEMPORAL, namespace: 'default' });
      const ns = await client.workflowService.describeNamespace({ namespace: 'default' });
      expect(ns.namespaceInfo?.name).toBe('default');

      const repo = await makeSampleRepo();
      const runId = `profile-${Date.now()}`;
      const handle = await startRun(client, runSettings(repo, { runId }), taskQueue);
      const report = await handle.result();
      expect(report.status).toBe('completed');
      const committed = report.tasks.filter((t) => t.status === 'committed').map((t) => t.id);
      expect(committed).toEqual(expect.arrayContaining(['TASK-0001', 'TASK-0002']));
      const log = await simpleGit(repo).raw(['log', '--format=%s', `${report.baseSha}..${report.branch}`]);
      expect(log).toContain('Complete TASK-0001');
    } finally {
      await connection.close();
    }
  });
});
