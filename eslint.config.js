import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { createNodeResolver, importX } from 'eslint-plugin-import-x';

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      '.fabrica/**',
      'test-output/**',
      'panel/dist/**',
      'reports/**',
      '.stryker-tmp/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { 'import-x': importX },
    settings: {
      // Sources import each other as `.js` (what they compile to); the files on disk are `.ts`.
      'import-x/resolver-next': [
        createNodeResolver({
          extensions: ['.ts', '.tsx', '.js', '.mjs', '.json'],
          extensionAlias: { '.js': ['.ts', '.tsx', '.js'] },
        }),
      ],
    },
    rules: {
      // node:test's describe/it return promises the runner itself awaits.
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          allowForKnownSafeCalls: [
            { from: 'package', package: 'node:test', name: ['describe', 'it', 'test'] },
          ],
        },
      ],
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'import-x/no-cycle': 'error',
      // The layers of README's "Layout": an inner layer never imports an outer one.
      'import-x/no-restricted-paths': [
        'error',
        {
          zones: [
            {
              target: './src/domain',
              from: [
                './src/contract',
                './src/engine',
                './src/store',
                './src/runtime',
                './src/http',
                './src/cli',
                './src/config',
              ],
              message: 'domain/ is pure: it imports nothing but itself.',
            },
            {
              target: './src/contract',
              from: [
                './src/engine',
                './src/store',
                './src/runtime',
                './src/http',
                './src/cli',
                './src/config',
              ],
              message: 'contract/ is the wire format: schemas over domain types only.',
            },
            {
              target: './src/runtime',
              from: [
                './src/contract',
                './src/engine',
                './src/store',
                './src/http',
                './src/cli',
                './src/config',
              ],
              message: 'runtime/ (cell backends) depends on the domain only.',
            },
            {
              target: './src/engine',
              from: ['./src/store', './src/http', './src/cli', './src/config'],
              message:
                'engine/ reaches the store through its ports, and knows nothing of HTTP or configuration.',
            },
            {
              target: './src/store',
              from: ['./src/contract', './src/runtime', './src/http', './src/cli', './src/config'],
              message: 'store/ implements the engine ports over the domain.',
            },
            {
              target: './src/http',
              from: ['./src/store', './src/runtime', './src/cli', './src/config'],
              message: 'http/ validates, calls a service and presents: no store, no backend, no environment.',
            },
            {
              target: './panel/src',
              from: [
                './src/engine',
                './src/store',
                './src/runtime',
                './src/http',
                './src/cli',
                './src/config',
              ],
              message:
                'The panel talks to the public API: it imports the contract’s types and the pure domain’s value lists only.',
            },
          ],
        },
      ],
      // Fastify plugins and handlers are async by contract, with or without an await inside.
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
  },
  {
    // A script cell's source: a plain script QuickJS runs (not a module), whose `run` the sandbox calls.
    files: ['examples/cells/**/*.js'],
    languageOptions: { sourceType: 'script' },
    rules: { '@typescript-eslint/no-unused-vars': ['error', { varsIgnorePattern: '^run$' }] },
  },
  {
    // A config file imports no module of ours; the cycle check would walk into vite's own files and
    // mistake its `dist/node` directory for an import resolver.
    files: ['panel/vite.config.ts'],
    rules: { 'import-x/no-cycle': 'off' },
  },
  {
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-base-to-string': 'off',
    },
  },
);
