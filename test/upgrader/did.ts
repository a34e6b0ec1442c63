/**
 * The methods of the committed upgrader.did, read from the file itself, so that a test keyed on
 * them fails when a method is added or removed without it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { parseDid } from '../../src/candid/parser';
import { repoRoot } from '../../scripts/paths';

export type DidMethod = { name: string; query: boolean };

export function didMethods(): DidMethod[] {
    const did = parseDid(readFileSync(join(repoRoot, 'canisters', 'upgrader', 'upgrader.did'), 'utf8'));
    const service = did.service?.type;
    if (service?.kind !== 'service') throw new Error('canisters/upgrader/upgrader.did has no service');
    return service.methods.map((m) => ({ name: m.name, query: m.type.kind === 'func' && m.type.annotations.includes('query') }));
}
