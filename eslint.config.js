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
  },
  {
    // Layers: imports only run downward (CONTRIBUTING.md, "Layering"). Type-only imports count too.
    files: ['src/**/*.ts'],
    rules: { 'import-x/no-restricted-paths': ['error', { zones: layerZones() }] }
  }
)

/**
 * The zones of `import-x/no-restricted-paths` that keep src/ layered, from the top down:
 * entry (src/*.ts) → action/ → domains → assets/ arm/ follow/ reports/ cli-yaml/ → auth/ → http/ → base/.
 * A zone forbids files under `target` to import from `from` (minus `except`).
 */
function layerZones() {
  const entry = ['src/index.ts', 'src/main.ts', 'src/post.ts', 'src/post-main.ts']
  const domains = ['computes', 'jobs', 'models', 'online-endpoints', 'rest', 'runs', 'scoring', 'workspaces']
  const lower = ['assets', 'arm', 'follow', 'reports', 'cli-yaml']
  const src = names => names.map(name => `src/${name}`)
  // action/'s input and output toolkit: domains read their inputs and write their outputs with it. It imports only
  // auth/, http/ and base/ (the last zone checks that), so a domain importing it cannot close a loop through action/.
  const toolkit = ['input-readers.ts', 'common-inputs.ts', 'list-output.ts', 'outputs.ts']
  const below = what => `${what} imports only from layers below it (CONTRIBUTING.md, Layering).`
  return [
    {
      target: 'src/base',
      from: 'src',
      except: ['./base'],
      message: 'base/ is the floor: it imports nothing from src/.'
    },
    { target: 'src/http', from: 'src', except: ['./base', './http'], message: 'http/ imports only base/.' },
    {
      target: 'src/auth',
      from: 'src',
      except: ['./base', './http', './auth'],
      message: 'auth/ imports only http/, base/.'
    },
    ...[...src(lower), ...toolkit.map(file => `src/action/${file}`)].map(target => ({
      target,
      from: [...entry, ...src(domains.filter(name => name !== 'runs'))],
      message: below(target)
    })),
    // The lower layer may use the input readers (arm/resource-inputs.ts, reports/inputs.ts), nothing else of action/.
    ...src(lower).map(target => ({
      target,
      from: 'src/action',
      except: ['./input-readers.ts'],
      message: below(target)
    })),
    // runs/ is a domain, but two of its parts are used from below and wait to move down (issue 19 follow-up):
    // the snapshot file selection (assets/files.ts shares it for code assets) and the run follower (reports/).
    { target: 'src/assets', from: 'src/runs', except: ['./snapshot'], message: below('src/assets') },
    { target: 'src/reports', from: 'src/runs', except: ['./follow.ts'], message: below('src/reports') },
    ...src(['arm', 'follow', 'cli-yaml']).map(target => ({ target, from: 'src/runs', message: below(target) })),
    ...src(domains).map(target => ({ target, from: entry, message: below(target) })),
    ...src(domains).map(target => ({
      target,
      from: 'src/action',
      except: toolkit.map(file => `./${file}`),
      message: `${target} may use action/'s input/output toolkit only (${toolkit.join(', ')}).`
    })),
    { target: 'src/action', from: entry, message: 'action/ sits below the entry points.' },
    ...toolkit.map(file => ({
      target: `src/action/${file}`,
      from: 'src',
      except: ['./base', './http', './auth', ...toolkit.map(other => `./action/${other}`)],
      message: `action/${file} is used by domains and lower layers: it imports only auth/, http/, base/.`
    }))
  ]
}

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
