/** The hand-written upload_chunk argument decodes exactly like the IDL-encoded one. */
import { IDL } from '@dfinity/candid';
import { Principal } from '@dfinity/principal';

import { encodeUploadChunkArg } from '../../canisters/upgrader/chunk-arg';

const UploadChunkArgs = IDL.Record({ canister_id: IDL.Principal, chunk: IDL.Vec(IDL.Nat8) });

describe('encodeUploadChunkArg', () => {
    it.each([
        ['an empty chunk', 0],
        ['a small chunk', 5],
        ['a 1 MiB chunk', 1024 * 1024]
    ])('encodes %s as Candid record { canister_id; chunk }', (_name, size) => {
        const canisterId = Principal.fromText('lqy7q-dh777-77777-aaaaq-cai');
        const chunk = Uint8Array.from({ length: size }, (_, i) => (i * 7) % 256);
        const bytes = encodeUploadChunkArg(canisterId, chunk);
        const decoded = IDL.decode([UploadChunkArgs], bytes)[0] as unknown as { canister_id: Principal; chunk: Uint8Array };
        expect(decoded.canister_id.toText()).toBe(canisterId.toText());
        expect(Buffer.from(decoded.chunk).equals(Buffer.from(chunk))).toBe(true);
        // As long as the library's encoding (which orders its type table differently).
        expect(bytes.length).toBe(IDL.encode([UploadChunkArgs], [{ canister_id: canisterId, chunk }]).byteLength);
    });
});
