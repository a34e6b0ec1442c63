/**
 * Skipping a value of a wire type (an extra argument, an extra record field, a value coerced to
 * `null` or read as `reserved`). Skips validate what they pass over as strictly as reads do: a
 * bool is 0 or 1, text is UTF-8, an opt tag is 0 or 1, a principal is at most 29 bytes.
 */
import { CandidDecodeError, malformed } from './errors';
import type { WireTable } from './header';
import { fixedSize, OP } from './idl';
import { decodeUtf8, type Reader } from './reader';

export type Plan = (r: Reader) => unknown;

/** The longest principal the IC issues (29 bytes). */
const MAX_PRINCIPAL_BYTES = 29;

export function principalBytes(r: Reader): Uint8Array {
    const tag = r.u8();
    if (tag !== 1) malformed(tag === 0 ? 'opaque references are not supported' : `reference tag ${tag} is not 0 or 1`);
    const n = r.leb();
    if (n > MAX_PRINCIPAL_BYTES) malformed(`a principal of ${n} bytes (at most ${MAX_PRINCIPAL_BYTES})`);
    return r.take(n);
}

export function readText(r: Reader): string {
    return decodeUtf8(r.take(r.leb()));
}

export function readBool(r: Reader): boolean {
    const byte = r.u8();
    if (byte > 1) malformed(`bool byte ${byte} is not 0 or 1`);
    return byte === 1;
}

/** The fewest bytes a value of wire type `wire` takes (0 for zero-sized types). */
export function minimumBytes(wire: number, table: WireTable, seen = new Set<number>()): number {
    if (wire < 0) return wire === OP.null || wire === OP.reserved || wire === OP.empty ? 0 : Math.max(1, fixedSize(wire));
    const entry = table[wire];
    if (entry === undefined || seen.has(wire)) return 0;
    if (entry.kind !== 'record') return 1;
    seen.add(wire);
    let total = 0;
    for (const f of entry.fields) total += minimumBytes(f.type, table, seen);
    seen.delete(wire);
    return total;
}

const skipNothing: Plan = (r) => {
    r.spend(1);
    return null;
};

/** Plans that skip values of one table's wire types (memoized; recursive types bind lazily). */
export class Skipper {
    readonly #table: WireTable;
    readonly #skips = new Map<number, Plan>();

    constructor(table: WireTable) {
        this.#table = table;
    }

    skip(wire: number): Plan {
        const known = this.#skips.get(wire);
        if (known !== undefined) return known;
        let real: Plan | undefined;
        this.#skips.set(wire, (r) => (real as Plan)(r));
        real = this.#build(wire);
        this.#skips.set(wire, real);
        return real;
    }

    #build(wire: number): Plan {
        const size = fixedSize(wire);
        if (wire === OP.bool) return readBool;
        if (size > 0) {
            return (r) => {
                r.need(size);
                r.pos += size;
                return null;
            };
        }
        switch (wire) {
            case OP.null:
            case OP.reserved:
                return skipNothing;
            case OP.nat:
            case OP.int:
                return (r) => r.skipLeb();
            case OP.text:
                return readText;
            case OP.principal:
                return principalBytes;
            case OP.empty:
                return () => {
                    throw new CandidDecodeError('malformed', 'a value of type empty cannot exist');
                };
            default:
                break;
        }
        const entry = this.#table[wire] as NonNullable<WireTable[number]>;
        switch (entry.kind) {
            case 'opt': {
                const inner = this.skip(entry.inner);
                return (r) => {
                    r.enter();
                    const tag = r.u8();
                    if (tag > 1) malformed(`opt tag ${tag} is not 0 or 1`);
                    if (tag === 1) inner(r);
                    r.depth--;
                    return null;
                };
            }
            case 'vec': {
                const elementSize = fixedSize(entry.inner);
                const minBytes = minimumBytes(entry.inner, this.#table);
                if (elementSize > 0 && entry.inner !== OP.bool) {
                    return (r) => {
                        r.take(r.count(elementSize) * elementSize);
                        return null;
                    };
                }
                const inner = this.skip(entry.inner);
                return (r) => {
                    r.enter();
                    for (let n = r.count(minBytes); n > 0; n--) inner(r);
                    r.depth--;
                    return null;
                };
            }
            case 'record': {
                const fields = entry.fields.map((f) => this.skip(f.type));
                return (r) => {
                    r.spend(1);
                    r.enter();
                    for (let i = 0; i < fields.length; i++) (fields[i] as Plan)(r);
                    r.depth--;
                    return null;
                };
            }
            case 'variant': {
                const cases = entry.fields.map((f) => this.skip(f.type));
                return (r) => {
                    r.enter();
                    const index = r.leb();
                    const skipCase = cases[index];
                    if (skipCase === undefined) malformed(`variant index ${index} is out of range`);
                    skipCase(r);
                    r.depth--;
                    return null;
                };
            }
            case 'func':
                return (r) => {
                    if (r.u8() !== 1) malformed('opaque function references are not supported');
                    principalBytes(r);
                    return readText(r);
                };
            case 'service':
                return principalBytes;
            case 'future':
                return (r) => {
                    const m = r.leb();
                    r.leb();
                    r.take(m);
                    return null;
                };
        }
    }
}
