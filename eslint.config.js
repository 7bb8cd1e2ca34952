// Lint rules that carry the architecture: native and Node-only imports (electron, onnxruntime-node, keytar,
// koffi, node:fs, node:child_process, node:worker_threads) only in the files named for them
// (tools/lint/runtime-imports.js, docs/architecture.md "Runtime layering"), no `any`, no floating promises,
// exhaustive switches. Type-aware (typescript-eslint projectService).
import js from '@eslint/js';
import reactHooks from 'eslint-plugin-react-hooks';
import tseslint from 'typescript-eslint';
import { runtimeImportsRule } from './tools/lint/runtime-imports.js';

export default tseslint.config(
  {
    ignores: [
      'out/**',
      'dist/**',
      'build/**',
      '.cache/**',
      'node_modules/**',
      '**/*.js',
      '**/*.cjs',
      '**/*.mjs',
    ],
  },
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
    plugins: { facevault: { rules: { 'runtime-imports': runtimeImportsRule } } },
    rules: {
      'facevault/runtime-imports': 'error',
      // Every switch over a union names every member (with missingCase(x: never) from src/shared/missing-case.ts
      // in the default branch where a value can come from outside the type system).
      '@typescript-eslint/switch-exhaustiveness-check': [
        'error',
        { considerDefaultExhaustiveForUnions: true, requireDefaultForNonUnion: false },
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
            {
              group: ['**/main/**', '**/preload/**'],
              message: 'The renderer sees main only through src/shared types.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/renderer/**/*.tsx'],
    plugins: { 'react-hooks': reactHooks },
    rules: reactHooks.configs.recommended.rules,
  },
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
