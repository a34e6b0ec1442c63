/**
 * Running the official Candid test suite (`../shared/testdata/candid-tests/*.test.did`) against
 * a decoder: each assertion's types converted to IDL, each binary input decoded, the outcome
 * judged by the assertion. Textual inputs are not parsed (as the suite's README allows): a
 * comparison with a textual value is checked as "the binary input decodes".
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import type { IDL } from '@dfinity/candid';
import { Principal } from '@dfinity/principal';

import { repoRoot } from '../../scripts/paths';
import type { TypeDefinition } from '../../src/candid/ast';
import { parseSuite, type SuiteAssertion } from '../../src/candid/test-suite';
import { IdlConverter } from '../../src/candid/to-idl';

const suiteDir = join(repoRoot, '..', 'shared', 'testdata', 'candid-tests');
export const SUITE_FILES = ['prim', 'construct', 'reference', 'subtypes', 'overshoot', 'spacebomb'] as const;

export type Decoder = (types: IDL.Type[], bytes: Uint8Array) => unknown[];

/** One assertion, ready to run: its IDL types and what a decoder must do. */
export type SuiteCase = { file: string; name: string; assertion: SuiteAssertion; types: IDL.Type[]; definitions: TypeDefinition[] };

export function loadSuite(file: string): SuiteCase[] {
    const suite = parseSuite(readFileSync(join(suiteDir, `${file}.test.did`), 'utf8'));
    const converter = new IdlConverter(suite.definitions);
    return suite.assertions.map((assertion, i) => ({
        file,
        name: `${file}:${i + 1} ${assertion.description || assertion.kind}`,
        assertion,
        types: assertion.types.map((t) => converter.convert(t)),
        definitions: suite.definitions
    }));
}

/** Decoded values compared by content (views equal copies, principals by text, NaN equals NaN, keys sorted). */
export function plain(value: unknown): unknown {
    if (typeof value === 'bigint') return `${value}n`;
    if (typeof value === 'number') return Number.isNaN(value) ? 'NaN' : Object.is(value, -0) ? '-0' : value;
    if (value instanceof Principal) return `principal:${value.toText()}`;
    if (ArrayBuffer.isView(value) && !(value instanceof DataView)) return { [value.constructor.name === 'Uint8Array' || value.constructor.name === 'Buffer' ? 'blob' : value.constructor.name]: Array.from(value as unknown as ArrayLike<unknown>, plain) };
    if (Array.isArray(value)) return value.map(plain);
    if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => [k, plain(v)]));
    return value;
}

export type Outcome = { ok: true; values: unknown } | { ok: false; error: string };

function run(decoder: Decoder, types: IDL.Type[], bytes: Uint8Array): Outcome {
    try {
        return { ok: true, values: plain(decoder(types, bytes)) };
    } catch (error) {
        return { ok: false, error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) };
    }
}

/** Whether `decoder` satisfies the assertion (null when the assertion has no binary input). */
export function satisfies(c: SuiteCase, decoder: Decoder): boolean | null {
    const { assertion, types } = c;
    const blobs = [assertion.input, assertion.other].flatMap((i) => (i?.kind === 'blob' ? [i.bytes] : []));
    if (blobs.length === 0) return null;
    const outcomes = blobs.map((bytes) => run(decoder, types, bytes));
    if (assertion.kind === 'rejects') return outcomes.every((o) => !o.ok);
    if (!outcomes.every((o) => o.ok)) return false;
    if (outcomes.length < 2) return true;
    const [a, b] = outcomes.map((o) => JSON.stringify((o as { values: unknown }).values));
    return assertion.kind === 'equal' ? a === b : a !== b;
}
