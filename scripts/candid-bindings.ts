/**
 * Writes the checked-in Candid bindings listed in scripts/lib/candid-bindings.ts.
 * `npm run candid-bindings` writes them; `npm run candid-bindings -- --check` only reports stale ones (exit 1).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { BINDING_TARGETS, renderTarget } from './lib/candid-bindings';
import { repoRoot } from './paths';

function main(check: boolean): number {
    let stale = 0;
    for (const target of BINDING_TARGETS) {
        const rendered = renderTarget(target);
        for (const [path, text] of [
            [target.typescript, rendered.typescript],
            [target.did, rendered.did]
        ] as const) {
            const absolute = join(repoRoot, path);
            let current: string | undefined;
            try {
                current = readFileSync(absolute, 'utf8');
            } catch {
                current = undefined;
            }
            if (current === text) continue;
            stale++;
            if (check) console.error(`${path} is stale: run \`npm run candid-bindings\``);
            else {
                writeFileSync(absolute, text);
                console.log(`wrote ${path}`);
            }
        }
    }
    return check && stale > 0 ? 1 : 0;
}

process.exitCode = main(process.argv.includes('--check'));
