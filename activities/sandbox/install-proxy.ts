import * as dns from 'node:dns/promises';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { deniedHosts, refusal } from './address-policy';

/**
 * The network of an install command: none of its own (its sandbox has a network namespace with only
 * loopback), but an HTTP proxy of the worker's, reached through a unix socket bound into the sandbox. The
 * proxy resolves each host itself and connects to the address it checked (address-policy.ts), so an install
 * reaches registries and never this machine's loopback, a private network or the Temporal frontend; a name
 * that resolves there (DNS rebinding included) is refused. CONNECT (https) and plain http both.
 */
export interface InstallProxy {
  /** The unix socket, bound into the sandbox at the same path. */
  socket: string;
  /** What was refused, for the log (host:port and why). */
  refused: string[];
  close(): Promise<void>;
}

async function checkedAddress(host: string): Promise<{ address: string } | { refused: string }> {
  const denied = deniedHosts();
  const name = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (denied.has(name)) return { refused: 'the Temporal server' };
  let addresses: { address: string }[];
  try {
    addresses = net.isIP(name) ? [{ address: name }] : await dns.lookup(name, { all: true });
  } catch (err) {
    return { refused: `cannot resolve: ${(err as Error).message}` };
  }
  const deniedAddresses = new Set<string>();
  for (const d of denied) {
    if (net.isIP(d)) deniedAddresses.add(d);
    else for (const r of await dns.lookup(d, { all: true }).catch(() => [])) deniedAddresses.add(r.address);
  }
  for (const { address } of addresses) {
    const why = refusal(address, deniedAddresses);
    if (why) return { refused: `${address} is ${why}` };
  }
  return addresses.length ? { address: addresses[0].address } : { refused: 'no address' };
}

export async function startInstallProxy(): Promise<InstallProxy> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-install-net-'));
  const socket = path.join(dir, 'proxy.sock');
  const refused: string[] = [];
  const open = new Set<net.Socket>();
  const server = http.createServer(async (req, res) => {
    // Plain http through the proxy: an absolute URL.
    let url: URL;
    try {
      url = new URL(req.url ?? '');
    } catch {
      res.writeHead(400).end('flotilla: absolute URLs only\n');
      return;
    }
    const port = Number(url.port || 80);
    const target = await checkedAddress(url.hostname);
    if ('refused' in target) {
      refused.push(`${url.hostname}:${port} (${target.refused})`);
      res.writeHead(403).end(`flotilla: installs may not reach ${url.hostname}:${port}: ${target.refused}\n`);
      return;
    }
    const upstream = http.request(
      {
        host: target.address,
        port,
        method: req.method,
        path: url.pathname + url.search,
        headers: { ...req.headers, host: url.host },
        setHost: false,
      },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on('error', () => res.writeHead(502).end());
    req.pipe(upstream);
  });
  server.on('connect', async (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
    open.add(client);
    client.on('close', () => open.delete(client));
    client.on('error', () => undefined);
    const m = /^(\[[^\]]+\]|[^:]+):(\d+)$/.exec(req.url ?? '');
    if (!m) {
      client.end('HTTP/1.1 400 Bad Request\r\n\r\n');
      return;
    }
    const [, host, port] = m;
    const target = await checkedAddress(host);
    if ('refused' in target) {
      refused.push(`${host}:${port} (${target.refused})`);
      client.end(
        `HTTP/1.1 403 Forbidden\r\ncontent-type: text/plain\r\n\r\nflotilla: installs may not reach ${host}:${port}: ${target.refused}\n`,
      );
      return;
    }
    const upstream = net.connect(Number(port), target.address, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    open.add(upstream);
    upstream.on('close', () => open.delete(upstream));
    upstream.on('error', () => client.destroy());
  });
  await new Promise<void>((resolve, reject) => server.listen(socket, resolve).once('error', reject));
  fs.chmodSync(socket, 0o666);
  return {
    socket,
    refused,
    close: async () => {
      for (const s of open) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Port of the forwarder inside the sandbox (its own network namespace: nothing else listens there). */
export const PROXY_PORT = 3128;

/**
 * The install command, wrapped: a small forwarder from the sandbox's loopback port to the proxy's socket, and
 * the proxy variables npm, yarn, pnpm, pip and cargo read.
 */
export function throughProxy(command: string, socket: string): string {
  const forwarder = `require('net').createServer((c) => { const u = require('net').connect(${JSON.stringify(socket)}); c.pipe(u); u.pipe(c); u.on('error', () => c.destroy()); c.on('error', () => u.destroy()); }).listen(${PROXY_PORT}, '127.0.0.1')`;
  const url = `http://127.0.0.1:${PROXY_PORT}`;
  const vars = [
    'HTTP_PROXY',
    'HTTPS_PROXY',
    'http_proxy',
    'https_proxy',
    'npm_config_proxy',
    'npm_config_https_proxy',
    'YARN_HTTP_PROXY',
    'YARN_HTTPS_PROXY',
  ]
    .map((v) => `${v}=${url}`)
    .join(' ');
  const node = JSON.stringify(process.execPath);
  return (
    `${node} -e ${shellQuote(forwarder)} & FLOTILLA_PROXY_PID=$!; export ${vars} NO_PROXY= no_proxy=; ` +
    `for i in 1 2 3 4 5 6 7 8 9 10; do ${node} -e "require('net').connect(${PROXY_PORT},'127.0.0.1').on('connect',()=>process.exit(0)).on('error',()=>process.exit(1))" && break; sleep 0.2; done; ` +
    `( ${command} ); FLOTILLA_RC=$?; kill $FLOTILLA_PROXY_PID 2>/dev/null; exit $FLOTILLA_RC`
  );
}

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}
