// Lint rules that carry the architecture: `electron` only in the thin Electron glue, no `any`, no
// floating promises. Type-aware (typescript-eslint projectService).
import js from '@eslint/js';
import reactHooks from 'eslint-plugin-react-hooks';
import tseslint from 'typescript-eslint';

const electronGlue = ['src/main/index.ts', 'src/main/**/electron-*.ts', 'src/preload/index.ts'];

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'build/**', '.cache/**', 'node_modules/**', '**/*.js', '**/*.cjs', '**/*.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      // Async functions often implement a Promise-returning interface without awaiting anything.
      '@typescript-eslint/require-await': 'off',
      // Input validation deliberately matches control characters (key names, machine ids).
      'no-control-regex': 'off',
      // `[a, offset] = read(...)` parsers reassign the offset but not every destructured name.
      'prefer-const': ['error', { destructuring: 'all' }],
      'no-console': 'off',
    },
  },
  {
    files: ['src/**/*.ts', 'src/**/*.tsx'],
    ignores: electronGlue,
    rules: {
      'no-restricted-imports': [
        'error',
        { paths: [{ name: 'electron', message: 'Domain code runs under plain Node: keep electron in src/main/index.ts or electron-*.ts glue.' }] },
      ],
    },
  },
  {
    files: ['src/renderer/**/*.ts', 'src/renderer/**/*.tsx', 'src/shared/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: ['electron'],
          patterns: [
            { group: ['node:*'], message: 'No Node in the renderer or the shared contract.' },
            { group: ['**/main/**', '**/preload/**'], message: 'The renderer sees main only through src/shared types.' },
          ],
        },
      ],
    },
  },
  { files: ['src/renderer/**/*.tsx'], plugins: { 'react-hooks': reactHooks }, rules: reactHooks.configs.recommended.rules },
  {
    files: ['test/**/*.ts', 'bench/**/*.ts', 'tools/**/*.ts'],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/unbound-method': 'off',
      '@typescript-eslint/only-throw-error': 'off',
      // vitest's asymmetric matchers (expect.stringMatching, expect.any) are typed `any`.
      '@typescript-eslint/no-unsafe-assignment': 'off',
    },
  },
);
