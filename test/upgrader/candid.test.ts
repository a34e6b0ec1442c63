/**
 * The committed Candid interface is the one the build produces, and the TS `idlFactory` that
 * clients use offers the same methods with the same modes.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { IDL } from '@dfinity/candid';

import { idlFactory } from '../../canisters/upgrader/types';
import { didPath, repoRoot } from '../../scripts/paths';

const committedPath = join(repoRoot, 'canisters', 'upgrader', 'upgrader.did');

describe('upgrader Candid interface', () => {
    const committed = readFileSync(committedPath, 'utf8');
    const built = readFileSync(didPath('upgrader'), 'utf8');

    it('is committed exactly as the build generates it', () => {
        // On a difference: review it, then `cp .azle/upgrader/upgrader.did canisters/upgrader/upgrader.did`.
        expect(committed).toBe(built);
    });

    it('lists the same methods, queries and updates as the client idlFactory', () => {
        const fromDid = new Map<string, boolean>();
        for (const line of committed.split('\n')) {
            const match = /^\s{4}([a-z_]+): \(.*\) -> \(.*\)( query)?;$/.exec(line);
            if (match?.[1] !== undefined) fromDid.set(match[1], match[2] !== undefined);
        }
        const service = idlFactory({ IDL }) as IDL.ServiceClass;
        const fromFactory = new Map(service._fields.map(([name, func]) => [name, func.annotations.includes('query')] as const));
        expect([...fromDid.entries()].sort()).toEqual([...fromFactory.entries()].sort());
        expect(fromDid.size).toBe(22);
    });

    it('types each method exactly like the client idlFactory', () => {
        // @dfinity/candid prints types the way Azle writes them, except that Azle quotes field
        // names that are Candid keywords ("principal").
        const normalized = committed.replaceAll('"principal":', 'principal:');
        const service = idlFactory({ IDL }) as IDL.ServiceClass;
        for (const [name, func] of service._fields) {
            const args = func.argTypes.map((t) => t.display()).join(', ');
            const results = func.retTypes.map((t) => t.display()).join(', ');
            const mode = func.annotations.includes('query') ? ' query' : '';
            expect(normalized).toContain(`    ${name}: (${args}) -> (${results})${mode};\n`);
        }
    });
});
