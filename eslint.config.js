import { existsSync } from 'node:fs'
import js from '@eslint/js'
import tseslint from 'typescript-eslint'
import { importX } from 'eslint-plugin-import-x'

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', '**/*.cjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        Buffer: 'readonly',
        URL: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly'
      }
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off'
    }
  },
  {
    // No import cycles: a module's dependencies always point one way (domains → shell and plumbing, never back).
    // The rule skips `import type` (erased by the build); the layout keeps those one-way as well.
    files: ['src/**/*.ts', 'emulator/**/*.ts', 'scripts/**/*.ts', 'demo/**/*.ts', 'bench/**/*.ts'],
    plugins: { 'import-x': importX },
    settings: { 'import-x/extensions': ['.ts', '.js'], 'import-x/resolver-next': [tsResolver()] },
    rules: { 'import-x/no-cycle': ['error', { ignoreExternal: true }] }
  }
)

/** Resolves the `.js` specifiers of our ESM TypeScript to the `.ts` files beside them. */
function tsResolver() {
  return {
    interfaceVersion: 3,
    name: 'ts-js-extension',
    resolve(source, file) {
      if (!source.startsWith('.')) return { found: false }
      const base = new URL(source, `file://${file}`).pathname
      for (const candidate of [base.replace(/\.js$/, '.ts'), base]) {
        if (existsSync(candidate)) return { found: true, path: candidate }
      }
      return { found: false }
    }
  }
}
