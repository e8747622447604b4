/** Jest: unit tests for pure logic, integration tests against a real Temporal dev server, one e2e test of the demo. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': [
      'ts-jest',
      {
        tsconfig: {
          isolatedModules: true,
          esModuleInterop: true,
          module: 'commonjs',
          target: 'ES2022',
          resolveJsonModule: true,
        },
      },
    ],
  },
  globalSetup: '<rootDir>/test/global-setup.ts',
  globalTeardown: '<rootDir>/test/global-teardown.ts',
  testTimeout: 300000,
  maxWorkers: 2,
};
