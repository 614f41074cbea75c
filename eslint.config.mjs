// Lint in `npm test`: type-aware rules that catch real defects, and the layer direction of
// ../ARCHITECTURE.md enforced as import restrictions (dependencies point inward).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** Imports a layer may not make: each entry names the layers above it. */
const forbid = (layers, { typesOnly = false } = {}) => ({
  'no-restricted-imports': [
    'error',
    {
      patterns: layers.map((layer) => ({
        ...(typesOnly ? { allowTypeImports: true } : {}),
        regex: `^(\\.\\.?/)+(.*/)?${layer}/`,
        message: `Dependencies point inward: this layer must not import ${layer}/ (see docs/architecture.md).`,
      })),
    },
  ],
});
const SURFACES = ['server', 'cli', 'extension', 'mcp'];
const ABOVE_ADAPTERS = [...SURFACES, 'runtime'];
const IO_IN_CORE = ['node:fs', 'node:fs/promises', 'node:http', 'node:https', 'node:net', 'node:child_process', 'pg', 'ioredis', 'vscode'];

export default tseslint.config(
  { ignores: ['dist/**', '.cache/**', 'coverage/**', 'media/**', 'node_modules/**', '.kairos-test/**', 'test-output/**', '**/*.d.ts'] },
  {
    files: ['src/**/*.ts', 'webview-ui/**/*.ts', 'test/**/*.ts', 'bench/**/*.ts', 'scripts/**/*.ts'],
    extends: [js.configs.recommended, ...tseslint.configs.recommended],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports', disallowTypeAnnotations: false }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/no-explicit-any': 'error',
      // Input guards match control characters on purpose (NUL, escapes).
      'no-control-regex': 'off',
      'no-console': 'off',
    },
  },
  // Tests reach into internals and build malformed input on purpose.
  { files: ['test/**/*.ts', 'bench/**/*.ts'], rules: { '@typescript-eslint/no-explicit-any': 'off' } },
  // The product's code logs through util/logger (one logger, secrets redacted); the CLI prints through its output module.
  { files: ['src/**/*.ts'], ignores: ['src/cli/**', 'src/util/logger.ts'], rules: { 'no-console': 'error' } },
  {
    files: ['src/core/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { paths: IO_IN_CORE, patterns: [{ regex: '^\\.\\./', message: 'core imports nothing outside core: declare a port in core/ports.ts instead.' }] },
      ],
    },
  },
  { files: ['src/protocol/**/*.ts'], rules: forbid(['embeddings', 'stores', 'identity', 'auth', 'ratelimit', 'runtime', ...SURFACES]) },
  { files: ['src/{embeddings,stores,identity,auth,ratelimit,code,util,ui}/**/*.ts'], rules: forbid(ABOVE_ADAPTERS) },
  { files: ['src/runtime/**/*.ts'], rules: forbid(SURFACES) },
  { files: ['src/mcp/**/*.ts'], rules: forbid(['server', 'cli', 'extension']) },
  { files: ['src/server/**/*.ts'], rules: forbid(['cli', 'extension']) },
  { files: ['src/cli/**/*.ts'], rules: forbid(['extension']) },
  // The UI runs in a browser: it may name server-side types (erased at build) but import no server code.
  {
    files: ['webview-ui/**/*.ts'],
    rules: forbid(['server', 'cli', 'extension', 'mcp', 'runtime', 'stores', 'identity', 'auth', 'embeddings'], { typesOnly: true }),
  },
);
