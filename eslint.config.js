import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'data/', 'coverage/', '.test-data/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly', Buffer: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    // Scripts served to browsers (progressive enhancement only).
    files: ['public/**/*.mjs'],
    languageOptions: { globals: { document: 'readonly', window: 'readonly', fetch: 'readonly', setInterval: 'readonly', clearInterval: 'readonly' } },
  },
  {
    // One way to open a transaction: inTransaction / withTenant, which join a transaction they are
    // given (a change and its audit entry commit together) and mark work done for a person.
    files: ['src/**/*.ts', 'bench/**/*.ts'],
    ignores: ['src/platform/db/transaction.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: "CallExpression[callee.property.name='transaction'][arguments.length=0]",
          message: 'Open transactions with inTransaction or withTenant (src/platform/db/transaction.ts, tenant.ts).',
        },
      ],
    },
  },
);
