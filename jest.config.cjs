/** Jest runs the TypeScript sources through swc; `@tessera/*` resolves to the packages' sources, as tsconfig.json's paths do. */
const swc = ['@swc/jest', { jsc: { target: 'es2022', parser: { syntax: 'typescript' } }, module: { type: 'commonjs' } }];
const base = {
  testEnvironment: 'node',
  transform: { '^.+\\.(t|j)sx?$': swc },
  // jose ships ESM only; letting swc compile it is jest's documented route for ESM-only packages on Node 20.
  transformIgnorePatterns: ['/node_modules/(?!(jose)/)'],
  moduleNameMapper: {
    // One-file parts (src/x.ts); the others are folders (src/x/index.ts).
    '^@tessera/(protocol|verify)/(errors|log|ws)$': '<rootDir>/packages/$1/src/$2.ts',
    '^@tessera/([a-z]+)$': '<rootDir>/packages/$1/src/index.ts',
    '^@tessera/([a-z]+)/([a-z]+)$': '<rootDir>/packages/$1/src/$2/index.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  setupFiles: ['<rootDir>/test/setup-env.cjs'],
  // Packed copies and local state live there while a test runs: a second jest beside it must not see two packages.
  modulePathIgnorePatterns: ['<rootDir>/.tessera/'],
};
module.exports = {
  projects: [
    { ...base, displayName: 'unit', testMatch: ['<rootDir>/packages/*/test/unit/**/*.test.ts', '<rootDir>/test/unit/**/*.test.ts'] },
    {
      ...base,
      displayName: 'integration',
      testMatch: ['<rootDir>/packages/*/test/integration/**/*.test.ts', '<rootDir>/test/integration/**/*.test.ts'],
    },
    { ...base, displayName: 'e2e', testMatch: ['<rootDir>/test/e2e/**/*.test.ts'] },
    // Property-based tests of the parsers that take attacker input: seeded, TESSERA_FUZZ_RUNS runs each (default 200).
    { ...base, displayName: 'fuzz', testMatch: ['<rootDir>/packages/*/test/fuzz/**/*.test.ts', '<rootDir>/test/fuzz/**/*.test.ts'] },
    { ...base, displayName: 'browser', testMatch: ['<rootDir>/test/browser/**/*.test.ts'] },
  ],
};
