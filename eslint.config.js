// Lint, including the import direction of docs/design.md, so that nobody has to remember it:
// shared/protocol and shared/crypto import nothing of ours; shared/client imports only those;
// server, cli and web import shared and never each other; services never see a concrete adapter;
// only the two main.ts files touch `process`.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// Bare names of Node built-ins, matched exactly (a gitignore-style pattern "crypto" would also match
// our own ../crypto folder); `node:` specifiers by pattern.
const NODE_BUILTIN_NAMES = ['fs', 'fs/promises', 'path', 'os', 'child_process', 'net', 'http', 'https', 'crypto', 'stream', 'util', 'buffer', 'process'];
const NODE_BUILTINS = ['node:*'];
const ADAPTERS = [
  '**/store/sql-store*',
  '**/store/pg-client*',
  '**/store/pglite-client*',
  '**/store/mongo*',
  '**/bus/memory-bus*',
  '**/bus/redis-bus*',
  '**/cache/memory-cache*',
  '**/cache/redis-cache*',
  '**/presence/memory-presence*',
  '**/presence/redis-presence*',
  'pg',
  '@electric-sql/pglite',
  'ioredis',
  'mongodb',
];

/** One no-restricted-imports rule from groups of patterns with the reason for each. */
const restrict = (...groups) => ['error', { patterns: groups.map(([group, message]) => ({ group, message })) }];
/** The same, also forbidding Node's built-ins by exact name. */
const restrictBrowserSafe = (...groups) => [
  'error',
  {
    paths: NODE_BUILTIN_NAMES.map((name) => ({ name, message: 'shared/ runs in browsers too: no Node built-ins' })),
    patterns: groups.map(([group, message]) => ({ group, message })),
  },
];

export default tseslint.config(
  { ignores: ['dist/**', 'dist-bench/**', 'node_modules/**', 'coverage/**', 'web/dist/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { console: 'readonly', process: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', setImmediate: 'readonly', queueMicrotask: 'readonly', URL: 'readonly', URLSearchParams: 'readonly', AbortController: 'readonly', AbortSignal: 'readonly', Buffer: 'readonly', crypto: 'readonly', fetch: 'readonly', TextEncoder: 'readonly', TextDecoder: 'readonly', NodeJS: 'readonly', performance: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-control-regex': 'off',
    },
  },
  {
    files: ['**/*.test.ts', 'test/**'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    files: ['shared/protocol/**', 'shared/crypto/**', 'shared/text/**'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': restrictBrowserSafe(
        [['**/client/**', '**/search/**', '**/summarize/**', '**/server/**', '**/cli/**', '**/web/**'], 'shared/protocol, shared/crypto and shared/text import nothing of ours but each other'],
        [NODE_BUILTINS, 'shared/ runs in browsers too: no Node built-ins'],
      ),
    },
  },
  {
    files: ['shared/client/**', 'shared/search/**', 'shared/summarize/**'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': restrictBrowserSafe(
        [['**/server/**', '**/cli/**', '**/web/**'], 'shared/ never imports server, cli or web'],
        [NODE_BUILTINS, 'shared/ runs in browsers too: no Node built-ins'],
      ),
    },
  },
  {
    files: ['server/**'],
    ignores: ['**/*.test.ts', '**/*.contract.ts'],
    rules: { 'no-restricted-imports': restrict([['**/cli/**', '**/web/**', '**/test/**'], 'server imports shared only']) },
  },
  {
    files: ['server/services/**', 'server/http/**', 'server/ws/**'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': restrict(
        [['**/cli/**', '**/web/**', '**/test/**'], 'server imports shared only'],
        [ADAPTERS, 'services see interfaces; only server/main.ts picks an adapter'],
      ),
    },
  },
  {
    files: ['cli/**'],
    ignores: ['**/*.test.ts', '**/*.test.tsx'],
    rules: { 'no-restricted-imports': restrict([['**/server/**', '**/web/**', '**/test/**'], 'cli imports shared only']) },
  },
  {
    files: ['web/**'],
    ignores: ['**/*.test.ts', 'web/vite.config.ts'],
    rules: {
      'no-restricted-imports': restrictBrowserSafe(
        [['**/server/**', '**/cli/**', '**/test/**'], 'web imports shared only'],
        [NODE_BUILTINS, 'the web client runs in browsers: no Node built-ins'],
      ),
    },
  },
  {
    files: ['shared/**', 'server/**', 'cli/**', 'web/**'],
    ignores: ['server/main.ts', 'cli/main.ts', '**/*.test.ts', '**/*.contract.ts'],
    rules: { 'no-restricted-globals': ['error', { name: 'process', message: 'only server/main.ts and cli/main.ts touch process; pass what you need in' }] },
  },
);
