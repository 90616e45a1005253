// @ts-check
import eslint from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';

export default tseslint.config(
  { ignores: ['dist/', 'coverage/', '.local/', '.local-browser/', 'node_modules/', '.deploy/', 'web/dist/', 'web/.dist-*/'] },
  eslint.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: { allowDefaultProject: ['*.mjs', 'scripts/*.mjs'] }, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['src/domain/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['@azure/*', '@microsoft/*', '@sendgrid/*', 'node:*', 'fs', 'http', 'https', 'crypto'], message: 'The domain is pure: no I/O or SDK imports.' },
            { group: ['**/adapters/**', '**/use-cases/**', '**/functions/**', '**/local/**', '**/config/**'], message: 'The domain depends on nothing outside itself.' },
          ],
        },
      ],
      'no-restricted-globals': ['error', { name: 'process', message: 'The domain never reads the environment.' }],
      'no-restricted-syntax': [
        'error',
        { selector: "CallExpression[callee.object.name='Date'][callee.property.name='now']", message: 'The domain never reads the clock: take time as a parameter.' },
        { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: 'The domain never reads the clock: take time as a parameter.' },
        { selector: "MemberExpression[object.name='Math'][property.name='random']", message: 'The domain is deterministic: take randomness as a parameter.' },
      ],
    },
  },
  {
    // Use cases orchestrate through ports: never an adapter, the HTTP layer or the local stack.
    files: ['src/use-cases/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['**/adapters/**', '**/http/**', '**/functions/**', '**/local/**', '@azure/*', '@microsoft/*', '@sendgrid/*'], message: 'Use cases depend on ports and the domain only; adapters are chosen in the composition root.' }] },
      ],
    },
  },
  {
    // Small helpers any layer may use: pure, and depending on nothing of the application.
    files: ['src/shared/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['../*', '@azure/*', '@microsoft/*', '@sendgrid/*', 'node:*'], message: 'src/shared depends on nothing.' }] }],
      'no-restricted-globals': ['error', { name: 'process', message: 'src/shared never reads the environment.' }],
    },
  },
  {
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      // Typed JSON helpers in tests read better with a type parameter for the expected body.
      '@typescript-eslint/no-unnecessary-type-parameters': 'off',
    },
  },
  {
    // The console (web/, its own tsconfig for the browser): the rules of hooks on top of the above.
    files: ['web/**/*.{ts,tsx}'],
    plugins: { 'react-hooks': reactHooks },
    rules: {
      'react-hooks/rules-of-hooks': 'error',
      'react-hooks/exhaustive-deps': 'error',
    },
  },
  {
    files: ['web/test/**/*.{ts,tsx}'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off' },
  },
  {
    files: ['**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
  },
);
