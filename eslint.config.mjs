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
    // Workflow code is replayed: it must not touch the network, files, clocks or randomness directly.
    files: ['src/workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['node:*', 'fs', 'http', 'https', 'net', 'crypto', 'child_process', 'os'], message: 'No Node APIs in workflow code.' },
            { group: ['undici', 'pg', '@electric-sql/*', '../activities/*', '../cloud/*', '../audit/*'], message: 'Workflows call activities; they do no I/O.', allowTypeImports: true },
          ],
          paths: [{ name: '../activities', message: 'Import activity types only: import type.', allowTypeImports: true }],
        },
      ],
    },
  },
);
