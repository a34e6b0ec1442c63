/**
 * Compiles WebAssembly text to binary with wabt, with the features the IC accepts.
 * The wabt module is loaded once per test file; compiled modules are cached by text.
 */
import wabtInit from 'wabt';

type Wabt = Awaited<ReturnType<typeof wabtInit>>;

let wabt: Promise<Wabt> | null = null;
const compiled = new Map<string, Uint8Array>();

const FEATURES = {
    bulk_memory: true,
    reference_types: true,
    sign_extension: true,
    sat_float_to_int: true,
    mutable_globals: true
} as const;

/** The binary of a module written in WebAssembly text; throws with wabt's message when the text is invalid. */
export async function wat(source: string): Promise<Uint8Array> {
    const cached = compiled.get(source);
    if (cached !== undefined) return cached;
    wabt ??= wabtInit();
    const parsed = (await wabt).parseWat('canister.wat', source, FEATURES);
    try {
        parsed.resolveNames();
        parsed.validate();
        const bytes = new Uint8Array(parsed.toBinary({}).buffer);
        compiled.set(source, bytes);
        return bytes;
    } finally {
        parsed.destroy();
    }
}
