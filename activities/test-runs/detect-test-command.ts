import * as fs from 'node:fs';
import * as path from 'node:path';

/** The repository's own test command, from what it ships: package.json, Makefile, pyproject, go.mod, Cargo.toml. */
export function detectTestCommand(dir: string): string | null {
  const has = (f: string) => fs.existsSync(path.join(dir, f));
  if (has('package.json')) {
    try {
      const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
      const test = pkg?.scripts?.test;
      if (typeof test === 'string' && test.trim() && !/no test specified/.test(test)) return 'npm test --silent';
    } catch {
      /* fall through to the other build files */
    }
  }
  if (has('Makefile') && /^test:/m.test(fs.readFileSync(path.join(dir, 'Makefile'), 'utf8'))) return 'make test';
  if (has('pyproject.toml') || has('pytest.ini') || has('setup.py')) return 'python3 -m pytest -q';
  if (has('go.mod')) return 'go test ./...';
  if (has('Cargo.toml')) return 'cargo test';
  return null;
}
