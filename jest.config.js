// ESM jest: ts-jest transpiles TypeScript (type errors are caught by `npm run typecheck`, not here).
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  resolver: 'ts-jest-resolver',
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, diagnostics: false }]
  },
  testMatch: ['**/__tests__/**/*.test.ts'],
  testTimeout: 60000,
  clearMocks: true,
  // The reliability matrices run their cases with it.concurrent (each against its own emulator): mostly waiting.
  maxConcurrency: 10,
  verbose: false
}
