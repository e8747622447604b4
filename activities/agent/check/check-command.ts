/**
 * Which static checks a repository has: `tsc --noEmit` with its tsconfig, ESLint when it is configured, ruff and
 * mypy when the Python project configures them, `go vet` for a Go module. Each is a command run in the sandbox
 * like the tests; the model never supplies one.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface CheckCommand {
  /** The tool's name, as diagnostics.ts parses it. */
  tool: 'tsc' | 'eslint' | 'ruff' | 'mypy' | 'go vet';
  /** The command for the whole project, or for `files` (tools that check single files). */
  command: (files: string[]) => string;
}

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
const exists = (p: string) => fs.existsSync(p);
const read = (p: string) => {
  try {
    return fs.readFileSync(p, 'utf8');
  } catch {
    return '';
  }
};

/** The project's own binary in node_modules/.bin, else Flotilla's (TypeScript is one of its dependencies), else none. */
function nodeBin(worktree: string, name: string, fallbackModule?: string): string | undefined {
  const own = path.join(worktree, 'node_modules', '.bin', name);
  if (exists(own)) return own;
  if (!fallbackModule) return undefined;
  try {
    return `${quote(process.execPath)} ${quote(require.resolve(fallbackModule))}`;
  } catch {
    return undefined;
  }
}

const ESLINT_CONFIGS = [
  'eslint.config.js',
  'eslint.config.mjs',
  'eslint.config.cjs',
  'eslint.config.ts',
  '.eslintrc',
  '.eslintrc.js',
  '.eslintrc.cjs',
  '.eslintrc.json',
  '.eslintrc.yml',
  '.eslintrc.yaml',
];

/** The checks this worktree has, in the order they run. */
export function checkCommands(worktree: string): CheckCommand[] {
  const out: CheckCommand[] = [];
  if (exists(path.join(worktree, 'tsconfig.json'))) {
    const tsc = nodeBin(worktree, 'tsc', 'typescript/bin/tsc');
    if (tsc) out.push({ tool: 'tsc', command: () => `${tsc} --noEmit --pretty false -p tsconfig.json` });
  }
  const eslint = ESLINT_CONFIGS.some((c) => exists(path.join(worktree, c))) ? nodeBin(worktree, 'eslint') : undefined;
  if (eslint)
    out.push({
      tool: 'eslint',
      command: (files) =>
        `${eslint} --format unix ${
          files
            .filter((f) => /\.[cm]?[jt]sx?$/.test(f))
            .map(quote)
            .join(' ') || '.'
        }`,
    });
  const pyproject = read(path.join(worktree, 'pyproject.toml'));
  if (
    /^\[tool\.ruff/m.test(pyproject) ||
    exists(path.join(worktree, 'ruff.toml')) ||
    exists(path.join(worktree, '.ruff.toml'))
  ) {
    out.push({
      tool: 'ruff',
      command: (files) =>
        `ruff check --output-format concise --no-fix ${
          files
            .filter((f) => f.endsWith('.py'))
            .map(quote)
            .join(' ') || '.'
        }`,
    });
  }
  if (/^\[tool\.mypy/m.test(pyproject) || exists(path.join(worktree, 'mypy.ini'))) {
    out.push({
      tool: 'mypy',
      command: (files) =>
        `mypy --no-color-output --no-error-summary ${
          files
            .filter((f) => f.endsWith('.py'))
            .map(quote)
            .join(' ') || '.'
        }`,
    });
  }
  if (exists(path.join(worktree, 'go.mod'))) out.push({ tool: 'go vet', command: () => 'go vet ./...' });
  return out;
}
