import * as fs from 'node:fs';
import * as path from 'node:path';

/** Where e2e suites usually live. */
const E2E_FOLDERS = ['tests/e2e', 'test/e2e', 'e2e'];

/**
 * The repository's end-to-end command, from what it ships: a `test:e2e` or `e2e` script in package.json, a
 * Playwright or Cypress config, or an e2e folder run by the repository's own runner (Jest, pytest). Null when none.
 */
export function detectE2eCommand(dir: string): string | null {
  const has = (f: string) => fs.existsSync(path.join(dir, f));
  const hasAny = (names: string[]) => names.some(has);
  let pkg: {
    scripts?: Record<string, unknown>;
    devDependencies?: Record<string, unknown>;
    dependencies?: Record<string, unknown>;
  } = {};
  if (has('package.json')) {
    try {
      pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) ?? {};
    } catch {
      /* an unreadable package.json names no script */
    }
  }
  for (const script of ['test:e2e', 'e2e'])
    if (typeof pkg.scripts?.[script] === 'string' && (pkg.scripts[script] as string).trim())
      return `npm run ${script} --silent`;
  const exts = ['ts', 'js', 'mjs', 'cjs', 'mts'];
  if (hasAny(exts.map((e) => `playwright.config.${e}`))) return 'npx playwright test';
  if (hasAny(exts.map((e) => `cypress.config.${e}`)) || has('cypress.json')) return 'npx cypress run';
  const folder = E2E_FOLDERS.find(
    (f) => fs.existsSync(path.join(dir, f)) && fs.statSync(path.join(dir, f)).isDirectory(),
  );
  if (!folder) return null;
  const deps = { ...pkg.devDependencies, ...pkg.dependencies };
  if ('jest' in deps || hasAny(exts.map((e) => `jest.config.${e}`))) return `npx jest ${folder}`;
  if ('vitest' in deps) return `npx vitest run ${folder}`;
  if (hasAny(['pyproject.toml', 'pytest.ini', 'setup.py', 'conftest.py'])) return `python3 -m pytest -q ${folder}`;
  return null;
}
