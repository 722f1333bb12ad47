/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] },
  testTimeout: 30000,
  // Asks the PostgreSQL server of the tests once whether it answers (test/support/postgres.ts).
  globalSetup: '<rootDir>/test/support/postgres-global-setup.ts',
  // Integration suites start servers; two workers match the 2-core machines.
  maxWorkers: 2,
};
