// Issue 22: an install command reaches the package registry, never this machine's loopback (where the Temporal
// frontend of a dev setup listens), a private network or the Temporal server: its sandbox has no network of its
// own, only the worker's checking proxy (activities/sandbox/install-proxy.ts).
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { withSandboxPolicy } from '../../activities/sandbox';
import { denyHost } from '../../activities/sandbox/address-policy';
import { runShell } from '../../activities/test-runs/run-shell';

describe('the network of an install (issue 22)', () => {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-install-net-test-')));
  let server: net.Server;
  let port = 0;
  let reached = 0;
  beforeAll(async () => {
    // A service on the host's loopback, as a dev Temporal server is.
    server = net.createServer((s) => {
      reached++;
      s.end('REACHED\n');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as net.AddressInfo).port;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  const install = (command: string) =>
    withSandboxPolicy({ mode: 'required', network: false }, () =>
      runShell(command, dir, path.join(dir, `${Math.random().toString(36).slice(2)}.log`), { network: true }),
    ).then((r) => ({
      ...r,
      out: fs.readFileSync(r.logPath, 'utf8'),
    }));

  /** A node script that tries: a direct connection, and CONNECT through the proxy the sandbox was given. */
  const probe = (host: string) =>
    `node -e "
const net = require('net');
const direct = net.connect(${'${PORT}'}, '127.0.0.1');
direct.on('connect', () => console.log('DIRECT-CONNECTED')).on('error', (e) => console.log('DIRECT-REFUSED ' + e.code));
const p = new URL(process.env.HTTPS_PROXY);
const s = net.connect(Number(p.port), p.hostname, () => s.write('CONNECT ${host}:${'${PORT}'} HTTP/1.1\\\\r\\\\nHost: x\\\\r\\\\n\\\\r\\\\n'));
s.on('data', (d) => { console.log('PROXY-SAID ' + d.toString().split('\\\\r\\\\n')[0]); s.destroy(); });
s.on('error', (e) => console.log('PROXY-ERROR ' + e.code));
"`.replace(/\$\{PORT\}/g, String(port));

  it('cannot reach the host loopback, directly or through the proxy (by address or by name)', async () => {
    for (const host of ['127.0.0.1', 'localhost', '[::1]']) {
      const r = await install(probe(host));
      expect(r.out).toMatch(/DIRECT-REFUSED/);
      expect(r.out).toMatch(/PROXY-SAID HTTP\/1\.1 403 Forbidden/);
      expect(r.out).not.toContain('PROXY-SAID HTTP/1.1 200');
    }
    expect(reached).toBe(0);
  }, 30_000);

  it('cannot reach a private or link-local address (cloud metadata, a compose network)', async () => {
    for (const host of ['10.0.0.7', '169.254.169.254', '192.168.1.1', '172.20.0.3']) {
      const r = await install(probe(host));
      expect({ host, said: /PROXY-SAID HTTP\/1\.1 403/.test(r.out) }).toEqual({ host, said: true });
    }
  }, 30_000);

  it('reaches the package registry (npm, through the proxy)', async () => {
    const r = await install(
      'npm view is-number@7.0.0 version --registry https://registry.npmjs.org/ --no-update-notifier',
    );
    expect(r.out).toMatch(/^7\.0\.0$/m);
    expect(r.passed).toBe(true);
  }, 60_000);

  it('cannot reach the Temporal frontend, by its name, wherever it is (here: a public name the worker was told)', async () => {
    denyHost('registry.npmjs.org');
    const r = await install(
      'npm view is-number@7.0.0 version --registry https://registry.npmjs.org/ --no-update-notifier --fetch-retries 0',
    );
    expect(r.out).not.toMatch(/^7\.0\.0$/m);
    expect(r.out).toContain("# the install's network refused: registry.npmjs.org:443 (the Temporal server)");
  }, 60_000);
});
