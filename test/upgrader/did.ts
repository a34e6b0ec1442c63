/**
 * The methods of the committed upgrader.did, read from the file itself, so that a test keyed on
 * them fails when a method is added or removed without it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { repoRoot } from '../../scripts/paths';

export type DidMethod = { name: string; query: boolean };

export function didMethods(): DidMethod[] {
    const did = readFileSync(join(repoRoot, 'canisters', 'upgrader', 'upgrader.did'), 'utf8');
    const methods: DidMethod[] = [];
    for (const line of did.split('\n')) {
        const match = /^\s{4}([a-z_]+): \(.*\) -> \(.*\)( query)?;$/.exec(line);
        if (match?.[1] !== undefined) methods.push({ name: match[1], query: match[2] !== undefined });
    }
    return methods;
}
