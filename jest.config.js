/** Jest runs in native ESM mode (Nest 12 is ESM-only); @swc/jest only transpiles, tsc type-checks. */
const swc = {
  jsc: {
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
    target: 'es2022',
  },
  module: { type: 'es6' },
};

export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest', swc] },
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  testMatch: ['<rootDir>/test/**/*.spec.ts'],
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/browser/'],
  // A property test sends hundreds of requests over fresh connections, and apps bootstrap in
  // beforeAll: the 5 s default leaves little room on a loaded two-core machine, where one
  // property test failed once in a full run.
  testTimeout: 30_000,
};
