/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022', parser: { syntax: 'typescript' } }, module: { type: 'commonjs' } }] },
  // The Functions host injects '@azure/functions-core'; the local host's stub records registrations.
  moduleNameMapper: { '^@azure/functions-core$': '<rootDir>/dev/functions-core-stub.js' },
  moduleFileExtensions: ['ts', 'js', 'json'],
  testTimeout: 120000,
  // In process, tests reach loopback only (test/support/loopback-only.ts).
  setupFiles: ['<rootDir>/test/support/loopback-only.ts'],
  // Integration suites start their own Azurite, identity provider and emulator on free ports.
  maxWorkers: 2,
  verbose: true,
  reporters: ['default', '<rootDir>/test/support/summary-reporter.js'],
};
