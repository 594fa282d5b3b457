// Three projects so the inner loop can run the fast unit tests alone:
//   unit        pure modules, no child processes, no network
//   integration real git repos, real jest/vitest runs, loopback servers
//   e2e         node dist/index.js and dist/cli.js the way the runner runs them
const shared = {
  preset: 'ts-jest/presets/default-esm',
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  resolver: 'ts-jest-resolver',
  moduleFileExtensions: ['ts', 'js', 'json'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json' }]
  },
  // The default timeout scaled by this machine's measured speed (helpers/calibrate-timeouts.mjs).
  setupFilesAfterEnv: ['<rootDir>/__tests__/helpers/scaled-timeout.mjs'],
  modulePathIgnorePatterns: ['<rootDir>/dist/', '<rootDir>/__tests__/fixtures/'],
  watchPathIgnorePatterns: ['<rootDir>/__tests__/fixtures/']
}

export default {
  projects: [
    {
      ...shared,
      displayName: 'unit',
      testMatch: ['<rootDir>/__tests__/**/*.test.ts'],
      testPathIgnorePatterns: [
        '/node_modules/',
        '\\.int\\.test\\.ts$',
        '/__tests__/e2e/',
        '/__tests__/fixtures/'
      ]
    },
    {
      ...shared,
      displayName: 'integration',
      testMatch: ['<rootDir>/__tests__/**/*.int.test.ts'],
      testPathIgnorePatterns: ['/node_modules/', '/__tests__/e2e/', '/__tests__/fixtures/']
    },
    {
      ...shared,
      displayName: 'e2e',
      testMatch: ['<rootDir>/__tests__/e2e/**/*.test.ts']
    }
  ],
  // One real jest run of a fixture, timed: every test timeout scales with it.
  globalSetup: '<rootDir>/__tests__/helpers/calibrate-timeouts.mjs',
  testTimeout: 60000
}
