/** @jest-config-loader esbuild-register */
import type { Config } from 'jest';

const config: Config = {
  preset: 'ts-jest',
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // Type-checking is `npm run typecheck`'s job; ts-jest only transpiles, which keeps runs fast.
  transform: { '^.+\\.ts$': ['ts-jest', {}] },
  testTimeout: 30_000,
  setupFiles: ['<rootDir>/src/local/quiet-functions-test-mode.ts'],
  // The local stacks that tests start serve the admin console: build it once (if stale) before them.
  globalSetup: '<rootDir>/test/support/build-console.ts',
  // Integration tests start real local servers; two workers match this machine's two cores.
  maxWorkers: 2,
};

export default config;
