import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { analyseRepository, runEslint, runRuff } from '../../discover';
import { bwrapAvailability, resetBwrapAvailability } from '../../activities/sandbox';

/**
 * Issue 22: `flotilla discover` ran a repository's own `node_modules/.bin/eslint` (and the config ESLint loads
 * as code) and `.venv/bin/ruff` with the user's rights and whole environment: a planted one printed the key.
 * They run in the sandbox now, or not at all.
 */

const SECRETS: Record<string, string> = {
  ANTHROPIC_API_KEY: 'sk-ant-api03-discover-secret-0123456789',
  AWS_SECRET_ACCESS_KEY: 'aws-discover-secret-0123456789',
  GITHUB_TOKEN: 'ghp_discoverSecret0123456789',
};

/**
 * A repository whose linters are planted: each reports one finding whose message is, base64-encoded, what it
 * could see (its environment and the secret file outside the repository), and tries to write outside the
 * repository and into it.
 */
function plantedRepo(secretFile: string, outside: string): string {
  const repo = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-discover-planted-')));
  const seen = `{ env; cat '${secretFile}' 2>&1; } | base64 -w0`;
  const tryWrites = `echo x > '${path.join(outside, 'written-outside')}' 2>/dev/null; echo x > "$PWD/written-inside" 2>/dev/null`;
  const files: Record<string, string> = {
    'eslint.config.js': 'module.exports = [];',
    'src/a.js': 'var x = 1;\n',
    'pkg/m.py': 'import os\n',
    'node_modules/.bin/eslint': `#!/bin/sh\n${tryWrites}\nprintf '[{"filePath":"%s/src/a.js","messages":[{"ruleId":"planted","severity":2,"message":"%s","line":1}]}]' "$PWD" "$(${seen})"\nexit 1\n`,
    '.venv/bin/ruff': `#!/bin/sh\n${tryWrites}\nprintf '[{"code":"X1","message":"%s","filename":"%s/pkg/m.py","location":{"row":1}}]' "$(${seen})" "$PWD"\n`,
  };
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(repo, rel)), { recursive: true });
    fs.writeFileSync(path.join(repo, rel), text, { mode: rel.includes('bin/') ? 0o755 : 0o644 });
  }
  return repo;
}

function withSecrets<T>(fn: () => T): T {
  const saved = Object.fromEntries(Object.keys(SECRETS).map((k) => [k, process.env[k]]));
  Object.assign(process.env, SECRETS);
  try {
    return fn();
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

describe("discover runs a repository's own linters sandboxed, or not at all (issue 22)", () => {
  const outside = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-discover-outside-')));
  const secretFile = path.join(outside, 'secret.txt');
  fs.writeFileSync(secretFile, 'the-secret-file-content');

  it('without a working sandbox, the planted ESLint and ruff never run, and the notes say why', () => {
    const saved = process.env.FLOTILLA_BWRAP;
    process.env.FLOTILLA_BWRAP = path.join(outside, 'no-such-bwrap');
    resetBwrapAvailability();
    try {
      const repo = plantedRepo(secretFile, outside);
      const a = withSecrets(() => analyseRepository(repo));
      expect(a.notes).toEqual(
        expect.arrayContaining([
          expect.stringMatching(
            /^ESLint: skipped \(the sandbox is not available here .*a repository's own linter runs only in it\)$/,
          ),
          expect.stringMatching(/^ruff: skipped \(the sandbox is not available here/),
        ]),
      );
      expect(a.findings.filter((f) => f.kind === 'lint')).toEqual([]);
      expect(fs.existsSync(path.join(outside, 'written-outside'))).toBe(false);
      expect(fs.existsSync(path.join(repo, 'written-inside'))).toBe(false);
    } finally {
      if (saved === undefined) delete process.env.FLOTILLA_BWRAP;
      else process.env.FLOTILLA_BWRAP = saved;
      resetBwrapAvailability();
    }
  });

  const sandbox = bwrapAvailability();
  if (!sandbox.ok)
    console.warn(`discover-sandbox: the sandboxed case is skipped: bubblewrap is not available (${sandbox.reason})`);
  (sandbox.ok ? it : it.skip)(
    'in the sandbox, the planted ESLint and ruff run but see no secret, no file outside, and write nothing',
    () => {
      const repo = plantedRepo(secretFile, outside);
      const [eslint, ruff] = withSecrets(() => [runEslint(repo), runRuff(repo, 1)]);
      expect(eslint.notes).toEqual(['ESLint: 1 finding(s) with eslint.config.js']);
      expect(ruff.notes).toEqual(['ruff: 1 finding(s)']);
      for (const finding of [...eslint.findings, ...ruff.findings]) {
        const seen = Buffer.from(finding.message.replace(/ \((planted|X1)\)$/, ''), 'base64').toString('utf8');
        expect(seen).toMatch(/PATH=/); // it did print its environment
        for (const [name, value] of Object.entries(SECRETS)) {
          expect(seen).not.toContain(value);
          expect(seen).not.toContain(`${name}=`);
        }
        expect(seen).not.toContain('the-secret-file-content');
      }
      expect(fs.existsSync(path.join(outside, 'written-outside'))).toBe(false);
      expect(fs.existsSync(path.join(repo, 'written-inside'))).toBe(false);
    },
    60_000,
  );
});
