/** Jest runs TypeScript as native ESM through SWC (no type-checking here: `npm run typecheck` does that). */
export default {
    testEnvironment: 'node',
    extensionsToTreatAsEsm: ['.ts'],
    moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
    transform: {
        '^.+\\.ts$': [
            '@swc/jest',
            {
                jsc: { target: 'es2022', parser: { syntax: 'typescript' } },
                module: { type: 'es6' }
            }
        ]
    },
    testMatch: ['<rootDir>/test/**/*.test.ts'],
    globalSetup: '<rootDir>/test/global-setup.ts',
    testTimeout: 120000,
    maxWorkers: 2
};
