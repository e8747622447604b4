import * as path from 'node:path';
import { readTextSafeSync } from './safe-read';

/** A package.json over this is no package.json a test command needs. */
const MAX_PACKAGE_JSON_BYTES = 4 * 1024 * 1024;

/**
 * A folder's package.json, parsed; undefined when there is none or it cannot be read or parsed (a FIFO, a
 * link, a huge file: see safe-read.ts). Read synchronously but bounded: a regular file of at most 4 MB.
 */
export function readPackageJson(dir: string): Record<string, unknown> | undefined {
  try {
    const pkg: unknown = JSON.parse(readTextSafeSync(path.join(dir, 'package.json'), MAX_PACKAGE_JSON_BYTES));
    return pkg && typeof pkg === 'object' ? (pkg as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** The folder's package.json scripts, if any. */
export function packageScripts(dir: string): Record<string, string> | undefined {
  const scripts = readPackageJson(dir)?.scripts;
  return scripts && typeof scripts === 'object' ? (scripts as Record<string, string>) : undefined;
}
