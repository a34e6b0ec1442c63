/** Hex text of bytes (src/encoding/hex.ts): the one copy the replica, server, client and tests share. */
import { randomBytes } from 'node:crypto';
import { fromHex, toHex } from '../../src/encoding/hex.js';

describe('hex', () => {
    it('writes lower-case pairs without prefix, the same text as Node', () => {
        expect(toHex(new Uint8Array(0))).toBe('');
        expect(toHex(Uint8Array.of(0x00, 0x0f, 0xa0, 0xff))).toBe('000fa0ff');
        for (let i = 0; i < 20; i++) {
            const bytes = randomBytes(i * 7);
            expect(toHex(bytes)).toBe(bytes.toString('hex'));
        }
    });

    it('reads hex of either case back, and reads a view at its own offset', () => {
        expect(Array.from(fromHex('000FA0ff'))).toEqual([0x00, 0x0f, 0xa0, 0xff]);
        const backing = Uint8Array.of(1, 2, 3, 4, 5);
        expect(toHex(backing.subarray(1, 4))).toBe('020304');
        expect(fromHex(toHex(backing))).toEqual(backing);
    });

    it('stops at the first pair that is not hex, as Node does', () => {
        expect(Array.from(fromHex('01zz02'))).toEqual([0x01]);
        expect(Array.from(fromHex('010'))).toEqual([0x01]);
    });
});
