/**
 * Writes the checked-in Candid files: first canisters/upgrader/upgrader.did from the upgrader's IDL
 * values (scripts/lib/upgrader-did.ts), then the bindings listed in scripts/lib/candid-bindings.ts
 * (the upgrader's client bindings among them, read from that .did).
 * `npm run candid-bindings` writes them; `npm run candid-bindings -- --check` only reports stale ones (exit 1).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { BINDING_TARGETS, renderTarget } from './lib/candid-bindings';
import { renderUpgraderDid, UPGRADER_DID } from './lib/upgrader-did';
import { repoRoot } from './paths';

/** Writes (or, with `check`, reports) a file whose text differs; true when it did. */
function refresh(path: string, text: string, check: boolean): boolean {
    const absolute = join(repoRoot, path);
    let current: string | undefined;
    try {
        current = readFileSync(absolute, 'utf8');
    } catch {
        current = undefined;
    }
    if (current === text) return false;
    if (check) console.error(`${path} is stale: run \`npm run candid-bindings\``);
    else {
        writeFileSync(absolute, text);
        console.log(`wrote ${path}`);
    }
    return true;
}

function main(check: boolean): number {
    // The .did first: the client bindings are read from it.
    let stale = refresh(UPGRADER_DID, renderUpgraderDid(), check) ? 1 : 0;
    for (const target of BINDING_TARGETS) {
        for (const [path, text] of renderTarget(target)) if (refresh(path, text, check)) stale++;
    }
    return check && stale > 0 ? 1 : 0;
}

process.exitCode = main(process.argv.includes('--check'));
