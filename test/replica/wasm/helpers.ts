/** Shared test helpers: WAT compilation, hand-built binaries, and instantiation of instrumented modules. */
import wabtInit from 'wabt';
import { IC0_SIGNATURES } from '../../../src/replica/engine/ic0/index.js';
import { HEAP_BIAS_BYTES, prepareModule, type PreparedModule } from '../../../src/replica/wasm/index.js';
import { encodeLeb128 } from '../../../src/encoding/leb128.js';

type Wabt = Awaited<ReturnType<typeof wabtInit>>;
let wabt: Promise<Wabt> | undefined;

/** Every feature V8 11.3 ships that the tests use. */
const FEATURES = {
    bulk_memory: true,
    reference_types: true,
    sign_extension: true,
    sat_float_to_int: true,
    mutable_globals: true,
    multi_value: true,
    simd: true,
    tail_call: true
};

/** Compiles WAT text to a Wasm binary. */
export async function wat(source: string): Promise<Uint8Array> {
    wabt ??= wabtInit();
    const module = (await wabt).parseWat('test.wat', source, FEATURES);
    try {
        return module.toBinary({}).buffer;
    } finally {
        module.destroy();
    }
}

function leb(value: number): number[] {
    return Array.from(encodeLeb128(value));
}

/** A vector: LEB count then the items' bytes. */
export function vec(items: ReadonlyArray<ArrayLike<number>>): Uint8Array<ArrayBuffer> {
    return concat(leb(items.length), ...items);
}

/** The bytes of all parts, in order (safe for parts of any size). */
export function concat(...parts: ReadonlyArray<ArrayLike<number>>): Uint8Array<ArrayBuffer> {
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const part of parts) {
        out.set(part, at);
        at += part.length;
    }
    return out;
}

/** An unsigned LEB128. */
export function uleb(value: number): number[] {
    return leb(value);
}

/** A length-prefixed UTF-8 name. */
export function name(text: string): number[] {
    const bytes = new TextEncoder().encode(text);
    return [...leb(bytes.length), ...bytes];
}

/** A module from raw sections, for shapes wabt refuses to produce. */
export function moduleBytes(...sections: ReadonlyArray<readonly [id: number, content: ArrayLike<number>]>): Uint8Array<ArrayBuffer> {
    const parts: Array<ArrayLike<number>> = [[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]];
    for (const [id, content] of sections) parts.push([id, ...leb(content.length)], content);
    return concat(...parts);
}

/** Appends a custom section at the end of a module. */
export function withCustomSection(module: Uint8Array, sectionName: string, content: Uint8Array | string): Uint8Array {
    const data = typeof content === 'string' ? new TextEncoder().encode(content) : content;
    const payload = [...name(sectionName), ...data];
    const header = [0x00, ...leb(payload.length)];
    const out = new Uint8Array(module.length + header.length + payload.length);
    out.set(module);
    out.set(header, module.length);
    out.set(payload, module.length + header.length);
    return out;
}

export type WasmFunction = (...args: unknown[]) => unknown;

/** `ic0` imports that throw unless overridden. */
export function stubIc0(overrides: Readonly<Record<string, WasmFunction>> = {}): WebAssembly.Imports {
    const ic0: Record<string, WasmFunction> = {};
    for (const fn of IC0_SIGNATURES.keys()) {
        ic0[fn] = () => {
            throw new Error(`ic0.${fn} is not stubbed in this test`);
        };
    }
    return { ic0: { ...ic0, ...overrides } };
}

/** An instance of an instrumented module with accessors for the replica's exports. */
export class TestInstance {
    readonly instance: WebAssembly.Instance;

    constructor(
        readonly prepared: PreparedModule,
        imports: WebAssembly.Imports = stubIc0()
    ) {
        this.instance = new WebAssembly.Instance(prepared.compiled, imports);
        this.setBudget(10n ** 12n);
    }

    export(exportName: string): WebAssembly.ExportValue {
        const value = this.instance.exports[exportName];
        if (value === undefined) throw new Error(`no export '${exportName}'`);
        return value;
    }

    fn(exportName: string): WasmFunction {
        const value = this.export(exportName);
        if (typeof value !== 'function') throw new Error(`export '${exportName}' is not a function`);
        return value as WasmFunction;
    }

    global(exportName: string): WebAssembly.Global {
        const value = this.export(exportName);
        if (!(value instanceof WebAssembly.Global)) throw new Error(`export '${exportName}' is not a global`);
        return value;
    }

    /** The real memory (bitmap, then the canister's memory). */
    realMemory(): Uint8Array {
        const value = this.export('__replica_memory');
        if (!(value instanceof WebAssembly.Memory)) throw new Error('__replica_memory is not a memory');
        return new Uint8Array(value.buffer);
    }

    /** The canister's (logical) memory. */
    logicalMemory(): Uint8Array {
        return this.realMemory().subarray(HEAP_BIAS_BYTES);
    }

    /** Indices of the logical 4 KiB pages marked dirty. */
    dirtyPages(): number[] {
        const bitmap = this.realMemory().subarray(0, HEAP_BIAS_BYTES);
        const pages: number[] = [];
        bitmap.forEach((b, i) => {
            if (b !== 0) pages.push(i);
        });
        return pages;
    }

    clearDirtyPages(): void {
        this.realMemory().fill(0, 0, HEAP_BIAS_BYTES);
    }

    setBudget(instructions: bigint): void {
        this.global('__replica_instructions').value = instructions;
        this.global('__replica_out_of_instructions').value = 0;
    }

    budget(): bigint {
        return this.global('__replica_instructions').value as bigint;
    }

    outOfInstructions(): boolean {
        return this.global('__replica_out_of_instructions').value === 1;
    }

    /** Calls an export with a fresh budget and returns its result and the instructions it used. */
    run(exportName: string, ...args: unknown[]): { result: unknown; used: bigint } {
        const start = 10n ** 12n;
        this.setBudget(start);
        const result = this.fn(exportName)(...args);
        return { result, used: start - this.budget() };
    }

    /** Like `run`, but for calls expected to trap: returns the error and the instructions used. */
    runTrapping(exportName: string, ...args: unknown[]): { error: Error; used: bigint } {
        const start = 10n ** 12n;
        this.setBudget(start);
        try {
            this.fn(exportName)(...args);
        } catch (error) {
            if (error instanceof Error) return { error, used: start - this.budget() };
            throw error;
        }
        throw new Error(`${exportName} did not trap`);
    }
}

/** Compiles WAT, prepares it without the disk cache, and instantiates it. */
export async function instantiateWat(source: string, imports?: WebAssembly.Imports): Promise<TestInstance> {
    return new TestInstance(prepareModule(await wat(source), { systemApi: IC0_SIGNATURES, cacheDir: null }), imports);
}
