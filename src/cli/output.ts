/**
 * Results and progress. A command returns its result as data plus the lines to show; `--json`
 * prints the data as exactly one JSON document on stdout (bigints as decimal strings,
 * principals as text, blobs as hex) and nothing else, while the text form prints the lines.
 * Progress goes to stderr, and only when stderr is a terminal or with --progress.
 */
import { Principal } from '@dfinity/principal';

import { toHex } from '../encoding/hex.js';

export interface CommandResult {
    /** What --json prints (converted by `toJsonValue`). */
    data: Record<string, unknown>;
    /** What the text form prints, one entry per line. */
    lines: string[];
    /** Default 0; 1 for a result that is a failure (an outcome that is not a success, a canister that is not sealed). */
    exitCode?: number;
}

/** A plain JSON value for any result value: bigint → string, Principal → text, bytes → hex. */
function toJsonValue(value: unknown): unknown {
    if (typeof value === 'bigint') return value.toString();
    if (value instanceof Principal) return value.toText();
    if (value instanceof Uint8Array) return toHex(value);
    if (Array.isArray(value)) return value.map(toJsonValue);
    if (value !== null && typeof value === 'object') {
        if (isPrincipalLike(value)) return value.toText();
        return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, toJsonValue(inner)]));
    }
    return value;
}

/** A principal from another copy of @dfinity/principal (its `_isPrincipal` marker). */
function isPrincipalLike(value: object): value is { toText(): string } {
    return Reflect.get(value, '_isPrincipal') === true && typeof Reflect.get(value, 'toText') === 'function';
}

/** `JSON.stringify` of the converted value, indented, with a final newline. */
export function jsonDocument(value: unknown): string {
    return `${JSON.stringify(toJsonValue(value), null, 2)}\n`;
}

/** Text of a Candid `opt`: the value or `none`. */
export function opt<T>(value: [] | [T], show: (inner: T) => string = String): string {
    return value.length === 0 ? 'none' : show(value[0]);
}

/** The tag of a Candid variant (`{ upgraded: null }` → `upgraded`), with its payload when it has one. */
export function variantText(variant: object): string {
    const [tag, payload] = Object.entries(variant)[0] ?? ['?', null];
    if (payload === null || payload === undefined) return tag;
    if (isVariant(payload)) return `${tag} ${variantText(payload)}`;
    if (typeof payload === 'object' && !(payload instanceof Uint8Array) && !(payload instanceof Principal)) return `${tag} ${JSON.stringify(toJsonValue(payload))}`;
    return `${tag} ${String(toJsonValue(payload))}`;
}

/** A nested Candid variant: a plain object with exactly one key. */
function isVariant(value: unknown): value is object {
    return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array) && !(value instanceof Principal) && Object.keys(value).length === 1;
}

/** `label: value` lines with the values aligned. */
export function fields(rows: Array<[string, string]>): string[] {
    const width = Math.max(0, ...rows.map(([label]) => label.length)) + 1;
    return rows.map(([label, value]) => `${`${label}:`.padEnd(width + 1)}${value}`);
}

/** A nanosecond IC timestamp as ISO text. */
export function timeText(nanos: bigint): string {
    return new Date(Number(nanos / 1_000_000n)).toISOString();
}

export interface Progress {
    /** Shows `done` of `total` (a bar on a terminal, a line per update otherwise). */
    update(done: number, total: number, label: string): void;
    /** A line of progress text. */
    note(text: string): void;
    /** Ends the bar's line. */
    end(): void;
}

/** Progress on stderr when `enabled`; a no-op otherwise. `bar` draws over one line (a terminal). */
export function progress(write: (text: string) => void, enabled: boolean, bar: boolean): Progress {
    let open = false;
    return {
        update(done, total, label) {
            if (!enabled) return;
            if (!bar) return write(`${label} ${done}/${total}\n`);
            const width = 30;
            const filled = total === 0 ? width : Math.round((done / total) * width);
            write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} ${label}`);
            open = true;
        },
        note(text) {
            if (!enabled) return;
            if (open) write('\n');
            open = false;
            write(`${text}\n`);
        },
        end() {
            if (open) write('\n');
            open = false;
        }
    };
}
