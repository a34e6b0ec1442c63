/**
 * The comparison of a stored module with a local build (issue 9, item 3): identical bytes, the
 * same Wasm under another encoding (gzip or not, gzip settings), and different Wasm named by the
 * section of its first differing byte and every section that differs.
 */
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

import { compareModules, describeComparison, firstDifference, ModuleDecodeError, wasmSections } from '../../src/client/module-diff';
import { gzWasmPath, wasmPath } from '../../scripts/paths';

const HEADER = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];

function leb(n: number): number[] {
    const out: number[] = [];
    do {
        let byte = n & 0x7f;
        n >>>= 7;
        if (n !== 0) byte |= 0x80;
        out.push(byte);
    } while (n !== 0);
    return out;
}

function section(id: number, content: number[]): number[] {
    return [id, ...leb(content.length), ...content];
}

function custom(name: string, payload: number[]): number[] {
    const bytes = [...new TextEncoder().encode(name)];
    return section(0, [...leb(bytes.length), ...bytes, ...payload]);
}

/** A module framed like Wasm: a type section, a data section and a `name` custom section (contents need not validate). */
function wasm(parts: { data?: number[]; names?: number[]; extra?: number[] } = {}): Uint8Array {
    return new Uint8Array([...HEADER, ...section(1, [0x01, 0x60, 0x00, 0x00]), ...section(11, parts.data ?? [0x00]), ...custom('name', parts.names ?? [1, 2, 3]), ...(parts.extra ?? [])]);
}

describe('module comparison', () => {
    it('finds the first differing byte', () => {
        expect(firstDifference(new Uint8Array([1, 2, 3]), new Uint8Array([1, 2, 3]))).toBe(-1);
        expect(firstDifference(new Uint8Array([1, 2, 3]), new Uint8Array([1, 9, 3]))).toBe(1);
        expect(firstDifference(new Uint8Array([1, 2]), new Uint8Array([1, 2, 3]))).toBe(2);
    });

    it('lists the sections of a Wasm module, naming custom ones, and refuses what is not Wasm', () => {
        expect(wasmSections(wasm())?.map((s) => s.name)).toEqual(['type', 'data', 'custom "name"']);
        expect(wasmSections(new Uint8Array([1, 2, 3]))).toBeUndefined();
        // A section whose size runs past the end.
        expect(wasmSections(new Uint8Array([...HEADER, 11, 50, 0]))).toBeUndefined();
    });

    it('says "matches your build" for identical bytes', async () => {
        const comparison = await compareModules(wasm(), wasm());
        expect(comparison.difference).toEqual({ kind: 'identical' });
        expect(describeComparison(comparison).at(-1)).toBe('matches your build');
    });

    it('tells the same Wasm gzipped on one side only, or gzipped differently, from a different module', async () => {
        const raw = new Uint8Array(readFileSync(wasmPath('demo_app_v2')));
        const gz = new Uint8Array(readFileSync(gzWasmPath('demo_app_v2')));
        const oneSide = await compareModules(gz, raw);
        expect(oneSide.difference.kind).toBe('encoding');
        expect(oneSide.stored).toMatchObject({ encoding: 'gzip', size: gz.length, wasmSize: raw.length });
        expect(oneSide.local).toMatchObject({ encoding: 'raw', size: raw.length, wasmSize: raw.length });
        expect(describeComparison(oneSide).join('\n')).toMatch(/DIFFERS only in encoding: .*stored gzip, your build raw/);

        const fast = new Uint8Array(gzipSync(raw, { level: 1 }));
        const best = new Uint8Array(gzipSync(raw, { level: 9 }));
        const levels = await compareModules(fast, best);
        expect(levels.difference.kind).toBe('encoding');
        expect(describeComparison(levels).join('\n')).toMatch(/gzipped differently on each side/);
    });

    it('names the section of the first difference, inside gzip too: the name section, then the data section', async () => {
        const names = await compareModules(new Uint8Array(gzipSync(wasm({ names: [1, 2, 3] }))), wasm({ names: [1, 2, 4] }));
        expect(names.difference).toMatchObject({ kind: 'wasm', sections: ['custom "name"'], stored: { section: { index: 2, name: 'custom "name"' } }, local: { section: { index: 2, name: 'custom "name"' } } });
        expect(describeComparison(names).join('\n')).toMatch(/first differs at byte \d+, in section 2 \(custom "name"\), \d+ bytes into it of both/);

        const data = await compareModules(wasm({ data: [0x00, 0x01] }), wasm({ data: [0x00, 0x02], names: [9] }));
        expect(data.difference).toMatchObject({ kind: 'wasm', sections: ['data', 'custom "name"'], stored: { section: { name: 'data' } } });
    });

    it('lists a section only one side has', async () => {
        const extra = await compareModules(wasm(), wasm({ extra: custom('icp:public candid:service', [7]) }));
        expect(extra.difference).toMatchObject({ kind: 'wasm', sections: ['custom "icp:public candid:service" (only in your build)'] });
        expect(describeComparison(extra).join('\n')).toMatch(/stored module: past its last section; your build: in section 3/);
    });

    it('compares two real builds of different versions', async () => {
        const v1 = new Uint8Array(readFileSync(wasmPath('demo_app_v1')));
        const v2 = new Uint8Array(readFileSync(wasmPath('demo_app_v2')));
        const comparison = await compareModules(v2, v1);
        if (comparison.difference.kind !== 'wasm') throw new Error(`expected a Wasm difference, got ${comparison.difference.kind}`);
        expect(comparison.difference.stored).toBeDefined();
        expect(comparison.difference.sections.length).toBeGreaterThan(0);
    });

    it('falls back to bytes for what is not Wasm, and refuses broken gzip', async () => {
        const comparison = await compareModules(new TextEncoder().encode('hello'), wasm());
        expect(comparison.difference).toEqual({ kind: 'bytes', offset: 0, reason: 'the stored module is not a well-formed Wasm module' });
        const broken = new Uint8Array(gzipSync(wasm()).subarray(0, 12));
        await expect(compareModules(broken, wasm())).rejects.toBeInstanceOf(ModuleDecodeError);
    });
});
