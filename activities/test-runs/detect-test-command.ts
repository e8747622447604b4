import * as fs from 'node:fs';
import * as path from 'node:path';
import { packageScripts } from '../package-json';
import { readTextSafeSync } from '../safe-read';

/** The repository's own test command, from what it ships: package.json, Makefile, pyproject, go.mod, Cargo.toml. */
export function detectTestCommand(dir: string): string | null {
  const has = (f: string) => fs.existsSync(path.join(dir, f));
  // An unreadable package.json (or a FIFO, a link, a huge one) falls through to the other build files.
  const test = packageScripts(dir)?.test;
  if (typeof test === 'string' && test.trim() && !/no test specified/.test(test)) return 'npm test --silent';
  if (has('Makefile') && /^test:/m.test(makefile(dir))) return 'make test';
  if (has('pyproject.toml') || has('pytest.ini') || has('setup.py')) return 'python3 -m pytest -q';
  if (has('go.mod')) return 'go test ./...';
  if (has('Cargo.toml')) return 'cargo test';
  return null;
}

function makefile(dir: string): string {
  try {
    return readTextSafeSync(path.join(dir, 'Makefile'), 4 * 1024 * 1024);
  } catch {
    return '';
  }
}
