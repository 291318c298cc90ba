// Type-aware lint: a dropped promise in a delivery loop is a lost event. Folder boundaries: eslint/dependency-rules.js.
import tseslint from 'typescript-eslint';
import { dependencyRules } from './eslint/dependency-rules.js';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'data/**', 'src/browser/sdk.js'] },
  {
    files: ['src/**/*.ts', 'test/**/*.ts', 'bench/**/*.ts'],
    languageOptions: {
      parser: tseslint.parser,
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { '@typescript-eslint': tseslint.plugin },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      '@typescript-eslint/await-thenable': 'error',
    },
  },
  // What each src/ folder may import (the table in docs/architecture.md).
  ...dependencyRules(),
);
