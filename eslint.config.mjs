// `npm run lint`: typescript-eslint on every TypeScript source, with the type-aware rules the code relies on.
import { builtinModules } from 'node:module';
import tseslint from 'typescript-eslint';

const nodeBuiltins = [...new Set(builtinModules.flatMap((m) => [m, `${m}/*`, `node:${m}`, `node:${m}/*`]))];

export default tseslint.config(
  {
    ignores: [
      'dist/',
      'node_modules/',
      '.flotilla/',
      'coverage/',
      'examples/',
      'test/unit/fixtures/',
      'test/replay/histories/',
      '**/*.js',
      '**/*.mjs',
    ],
  },
  {
    files: ['**/*.ts'],
    extends: [tseslint.configs.base],
    languageOptions: { parserOptions: { project: './tsconfig.test.json', tsconfigRootDir: import.meta.dirname } },
    rules: {
      // A promise nobody awaits loses its failure: await it, or say `void` where it is meant to run on its own.
      '@typescript-eslint/no-floating-promises': 'error',
      // Type-only imports say so, so the workflow bundle never pulls an activity's code in for a type.
      '@typescript-eslint/consistent-type-imports': [
        'error',
        { prefer: 'type-imports', fixStyle: 'inline-type-imports', disallowTypeAnnotations: false },
      ],
    },
  },
  {
    // Workflows are deterministic and run in Temporal's sandbox (ARCHITECTURE.md): from activities/ they take types only, and no Node API.
    files: ['workflows/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: nodeBuiltins
            .filter((m) => !m.endsWith('/*'))
            .map((name) => ({
              name,
              message: 'workflows run in the Temporal sandbox: no Node APIs (do the I/O in an activity).',
            })),
          patterns: [
            {
              group: ['**/activities', '**/activities/**'],
              allowTypeImports: true,
              message:
                'workflows import activity code as types only (call activities through workflows/activity-proxies.ts).',
            },
            {
              group: nodeBuiltins.filter((m) => m.endsWith('/*')),
              message: 'workflows run in the Temporal sandbox: no Node APIs.',
            },
          ],
        },
      ],
    },
  },
);
