import * as net from 'node:net';
import * as os from 'node:os';

/**
 * Which addresses an install command's network may reach: the internet (package registries), never this
 * machine (loopback, its own interface addresses), private and link-local networks (cloud metadata at
 * 169.254.169.254, the compose network the Temporal server is on) or the Temporal frontend wherever it is.
 */
const denied = new Set<string>();

/** Adds the Temporal frontend's host (a name or an address) to what installs may never reach. */
export function denyHost(host: string): void {
  denied.add(host.toLowerCase());
}

export function deniedHosts(): ReadonlySet<string> {
  return denied;
}

function v4(a: string): number[] | null {
  return net.isIPv4(a) ? a.split('.').map(Number) : null;
}

/** Why `address` (an IP) may not be reached by an install, or null when it may. `extra`: addresses denied by name. */
export function refusal(address: string, extra: ReadonlySet<string> = new Set()): string | null {
  const a = address.replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/i, '$1').toLowerCase();
  if (extra.has(a)) return 'the Temporal server';
  const local = Object.values(os.networkInterfaces())
    .flat()
    .map((i) => i?.address.toLowerCase());
  if (local.includes(a)) return 'this machine';
  const b = v4(a);
  if (b) {
    if (b[0] === 127 || b[0] === 0) return 'loopback';
    if (b[0] === 10 || (b[0] === 172 && b[1] >= 16 && b[1] <= 31) || (b[0] === 192 && b[1] === 168))
      return 'a private network';
    if (b[0] === 100 && b[1] >= 64 && b[1] <= 127) return 'a private network';
    if (b[0] === 169 && b[1] === 254) return 'link-local (cloud metadata)';
    if (b[0] >= 224) return 'multicast or reserved';
    return null;
  }
  if (a === '::1' || a === '::') return 'loopback';
  if (/^f[cd]/.test(a)) return 'a private network';
  if (/^fe[89ab]/.test(a)) return 'link-local';
  if (/^ff/.test(a)) return 'multicast';
  return null;
}
