// The compose file's `temporal-ui` service without its container: ui-server started as the temporalio/ui
// image starts it (`ui-server --env docker start`, its config/docker.yaml template filled from TEMPORAL_ADDRESS),
// on 127.0.0.1 and a free port.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { freePort } from '../temporal-server';
import { type Processes, tail } from './processes';
import type { UiBuild } from './temporal-build';

export interface WebUi {
  url: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The workflows the UI's own API lists for a visibility query (what its workflow list shows). */
export async function uiWorkflowCount(ui: WebUi, namespace: string, query: string): Promise<number> {
  const res = await fetch(
    `${ui.url}/api/v1/namespaces/${encodeURIComponent(namespace)}/workflows?query=${encodeURIComponent(query)}`,
  );
  if (!res.ok)
    throw new Error(`the Web UI's API answered ${res.status} ${res.statusText}: ${(await res.text()).slice(0, 300)}`);
  const body = (await res.json()) as { executions?: unknown[] };
  return body.executions?.length ?? 0;
}

/** Starts ui-server with the `temporal-ui` service's environment, pointed at `temporalAddress`. */
export async function startWebUi(
  procs: Processes,
  build: UiBuild,
  temporalAddress: string,
  composeEnv: Record<string, string>,
  workDir: string,
  timeoutMs = 60_000,
): Promise<WebUi> {
  // The image's config files, with one line more in base.yaml: listen on loopback only (the image listens on every
  // address of its container, and compose publishes it on 127.0.0.1).
  const root = path.join(workDir, 'ui');
  const config = path.join(root, 'config');
  fs.mkdirSync(config, { recursive: true });
  fs.copyFileSync(path.join(build.configDir, 'docker.yaml'), path.join(config, 'docker.yaml'));
  fs.writeFileSync(
    path.join(config, 'base.yaml'),
    `${fs.readFileSync(path.join(build.configDir, 'base.yaml'), 'utf8').trimEnd()}\nhost: 127.0.0.1\n`,
  );
  const port = await freePort();
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    ...composeEnv,
    TEMPORAL_ADDRESS: temporalAddress,
    TEMPORAL_UI_PORT: String(port),
  };
  const child = procs.start('temporal-ui', build.server, ['--root', root, '--env', 'docker', 'start'], {
    env,
    cwd: root,
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if ((await fetch(`${url}/healthz`)).ok) return { url };
    } catch {
      /* not listening yet */
    }
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(
        `ui-server ended at start; its log ${procs.logFile('temporal-ui')}:\n${tail(procs.logFile('temporal-ui'))}`,
      );
    if (Date.now() > deadline)
      throw new Error(
        `ui-server did not answer on ${url} within ${timeoutMs / 1000} s; its log:\n${tail(procs.logFile('temporal-ui'))}`,
      );
    await sleep(250);
  }
}
