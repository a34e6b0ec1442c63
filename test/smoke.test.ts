import { Principal } from '@dfinity/principal';

describe('toolchain', () => {
    it('runs TypeScript ESM tests with the IC packages', () => {
        expect(Principal.fromUint8Array(new Uint8Array()).toText()).toBe('aaaaa-aa');
    });
});
