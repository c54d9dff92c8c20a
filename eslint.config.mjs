// Lint rules: typescript-eslint's recommended set, plus a guard that keeps workflow code free of I/O.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/**', '.data/**', 'dist/**', 'bin/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
    },
  },
  {
    // Shared code is imported by workflows too: workflow-safe only.
    files: ['src/shared/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['node:*', 'fs', 'http', 'https', 'net', 'crypto', 'child_process', 'os', 'path'], message: 'src/shared is bundled into workflows: no Node APIs.' },
            { group: ['undici', 'pg', '@electric-sql/*', '@temporalio/activity', '@temporalio/worker', '@temporalio/client', '../activities', '../activities/*', '../cloud', '../cloud/*', '../audit', '../audit/*', '../worker', '../worker/*', '../starter', '../starter/*'], message: 'src/shared is workflow-safe: no I/O modules.', allowTypeImports: true },
          ],
        },
      ],
    },
  },
  {
    // Workflow code is replayed: it must not touch the network, files, clocks or randomness directly.
    files: ['src/workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['node:*', 'fs', 'http', 'https', 'net', 'crypto', 'child_process', 'os', 'path'], message: 'No Node APIs in workflow code.' },
            { group: ['undici', 'pg', '@electric-sql/*', '../activities/*', '../cloud/*', '../audit/*'], message: 'Workflows call activities; they do no I/O.', allowTypeImports: true },
          ],
          paths: [{ name: '../activities', message: 'Import activity types only: import type.', allowTypeImports: true }],
        },
      ],
    },
  },
);
