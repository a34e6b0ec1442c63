import { azleLocation } from '../../scripts/lib/azle-location.js';

describe('azleLocation', () => {
    it('runs azle from the main file folder with the root as .. segments', () => {
        expect(azleLocation('/somewhere/repo', 'upgrader', 'canisters/upgrader/index.ts')).toEqual({
            cwd: '/somewhere/repo/canisters/upgrader',
            dfxRoot: '../..'
        });
        expect(azleLocation('/x', 'a', 'canisters/fixtures/kv_store/index.ts')).toEqual({
            cwd: '/x/canisters/fixtures/kv_store',
            dfxRoot: '../../..'
        });
    });

    it('gives the same dfx root for the same main wherever the repository is', () => {
        const main = 'canisters/demo_app/v1/index.ts';
        expect(azleLocation('/a', 'v1', main).dfxRoot).toBe(azleLocation('/a/much/longer/path', 'v1', main).dfxRoot);
    });

    it('refuses a main file whose relative root would name a folder, or that sits at the root', () => {
        expect(() => azleLocation('/repo', 'top', 'index.ts')).toThrow(/"top" has main "index.ts".*folder below the repository root/);
        expect(() => azleLocation('/work/repo', 'out', '../other/index.ts')).toThrow(/"out" has main/);
        expect(() => azleLocation('/repo', 'abs', '/elsewhere/index.ts')).toThrow(/"abs" has main/);
    });
});
