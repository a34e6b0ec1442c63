/** The Azle canisters dfx.json declares (with what their builds read), and the installed azle version. */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

import { repoRoot } from '../paths.js';

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export type AzleCanisterEntry = {
    name: string;
    /** The canister's entry in dfx.json, as written. */
    entry: { [key: string]: JsonValue };
    main: string;
    candidGen: string | undefined;
    candid: string | undefined;
    envNames: string[];
};

export async function readAzleCanisters(): Promise<AzleCanisterEntry[]> {
    const dfxJsonPath = join(repoRoot, 'dfx.json');
    const parsed: unknown = JSON.parse(await readFile(dfxJsonPath, 'utf8'));
    const canisters = isJsonObject(parsed) ? parsed.canisters : undefined;
    if (!isJsonObject(canisters)) {
        throw new Error(`${dfxJsonPath}: expected an object with a "canisters" object`);
    }
    const result: AzleCanisterEntry[] = [];
    for (const [name, entry] of Object.entries(canisters)) {
        if (!isJsonObject(entry) || entry.type !== 'azle') continue;
        if (typeof entry.main !== 'string') {
            throw new Error(`dfx.json: canister "${name}" of type "azle" needs a "main" path`);
        }
        const custom = isJsonObject(entry.custom) ? entry.custom : {};
        const env = custom.env;
        result.push({
            name,
            entry,
            main: entry.main,
            candidGen: typeof custom.candid_gen === 'string' ? custom.candid_gen : undefined,
            candid: typeof entry.candid === 'string' ? entry.candid : undefined,
            envNames: Array.isArray(env) ? env.filter((item): item is string => typeof item === 'string') : []
        });
    }
    return result;
}

export function selectCanisters(all: AzleCanisterEntry[], names: string[] | undefined): AzleCanisterEntry[] {
    if (names === undefined || names.length === 0) return all;
    const byName = new Map(all.map((canister) => [canister.name, canister]));
    const unknown = names.filter((name) => !byName.has(name));
    if (unknown.length > 0) {
        throw new Error(
            `not an azle canister in dfx.json: ${unknown.join(', ')} (known: ${all.map((c) => c.name).join(', ') || 'none'})`
        );
    }
    return [...new Set(names)].flatMap((name) => byName.get(name) ?? []);
}

export function customCandidPath(canister: AzleCanisterEntry): string {
    if (canister.candid === undefined) {
        throw new Error(
            `dfx.json: canister "${canister.name}" has candid_gen "custom" but no "candid" path to a hand-written .did`
        );
    }
    return join(repoRoot, canister.candid);
}

function isJsonObject(value: unknown): value is { [key: string]: JsonValue } {
    return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export async function readAzleVersion(): Promise<string> {
    const parsed: unknown = JSON.parse(
        await readFile(join(repoRoot, 'node_modules', 'azle', 'package.json'), 'utf8')
    );
    if (!isJsonObject(parsed) || typeof parsed.version !== 'string') {
        throw new Error('node_modules/azle/package.json has no version: run npm install');
    }
    return parsed.version;
}
