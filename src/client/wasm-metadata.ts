/**
 * A module's Candid metadata, as dfx embeds it and the IC serves it (`canister/<id>/metadata/<name>`):
 * the custom sections `icp:public <name>` or `icp:private <name>`, where `candid:service` holds the
 * service's `.did` text and `candid:args` its initialisation arguments (`(T1, T2)`). Browser-safe.
 */
import { readU32 } from '../encoding/leb128.js';
import { wasmOf } from './module-diff.js';

const WASM_HEADER = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];

/** The custom sections of a Wasm module by name (`icp:public candid:service`...); the last one of a name wins. */
export function customSections(wasm: Uint8Array): Map<string, Uint8Array> {
    const sections = new Map<string, Uint8Array>();
    if (!WASM_HEADER.every((byte, i) => wasm[i] === byte)) return sections;
    const cursor = { pos: WASM_HEADER.length };
    while (cursor.pos < wasm.length) {
        const id = wasm[cursor.pos++]!;
        const size = readU32(wasm, cursor, wasm.length);
        const end = cursor.pos + size;
        if (end > wasm.length) break;
        if (id === 0) {
            const nameLength = readU32(wasm, cursor, end);
            const name = new TextDecoder().decode(wasm.subarray(cursor.pos, cursor.pos + nameLength));
            sections.set(name, wasm.subarray(cursor.pos + nameLength, end));
        }
        cursor.pos = end;
    }
    return sections;
}

export interface CandidMetadata {
    /** The `.did` text of the module's service, if it carries one. */
    service?: string;
    /** Its initialisation arguments as Candid text (`(opt InitArgs)`), if it carries them. */
    args?: string;
}

/** The Candid metadata of a module, raw or gzipped as installed. @throws ModuleDecodeError on bad gzip */
export async function candidMetadataOf(module: Uint8Array, what = 'the module'): Promise<CandidMetadata> {
    const sections = customSections((await wasmOf(module, what)).wasm);
    const text = (name: string): string | undefined => {
        const bytes = sections.get(`icp:public ${name}`) ?? sections.get(`icp:private ${name}`);
        return bytes === undefined ? undefined : new TextDecoder().decode(bytes);
    };
    return { service: text('candid:service'), args: text('candid:args') };
}
