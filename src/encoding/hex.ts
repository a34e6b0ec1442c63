/**
 * Lower-case hexadecimal text of bytes, without prefix: map keys, request ids in URLs,
 * module hashes in messages.
 *
 * `toHex` needs no Node API, so the client (which may run in a browser) shares it.
 */

const BYTE_HEX = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0'));

export function toHex(bytes: Uint8Array): string {
    let text = '';
    for (const byte of bytes) text += BYTE_HEX[byte]!;
    return text;
}

/** The bytes of hex text (either case); like Node's `Buffer.from(hex, 'hex')`, it stops at the first pair that is not hex. */
export function fromHex(hex: string): Uint8Array {
    return new Uint8Array(Buffer.from(hex, 'hex'));
}
