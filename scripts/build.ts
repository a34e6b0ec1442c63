/**
 * `npm run build [-- [--force] [name...]]`: builds the Azle canisters of dfx.json offline,
 * skipping those whose inputs did not change. See docs/building.md.
 */
import { buildCanisters } from './build-lib.js';

const USAGE = `usage: npm run build -- [--force] [canister...]

Builds every canister of type "azle" in dfx.json (or only those named) into .azle/<name>/:
<name>.wasm, <name>.wasm.gz and <name>.did. Unchanged canisters are skipped.

  --force, -f   rebuild even when the inputs did not change
  --help, -h    show this help`;

async function main(argv: string[]): Promise<number> {
    let force = false;
    const names: string[] = [];
    for (const arg of argv) {
        if (arg === '--force' || arg === '-f') force = true;
        else if (arg === '--help' || arg === '-h') {
            console.log(USAGE);
            return 0;
        } else if (arg.startsWith('-')) {
            console.error(`unknown option ${arg}\n\n${USAGE}`);
            return 2;
        } else names.push(arg);
    }

    const started = performance.now();
    try {
        const built = await buildCanisters({ names, force, log: (line) => console.log(line) });
        const rebuilt = built.filter((canister) => canister.rebuilt).length;
        const seconds = ((performance.now() - started) / 1000).toFixed(1);
        console.log(`${built.length} canister(s), ${rebuilt} rebuilt, in ${seconds} s`);
        return 0;
    } catch (error) {
        // A CanisterBuildError's log lines (azle's output) were already printed through `log`.
        const message = error instanceof Error ? error.message : String(error);
        console.error(`\nbuild failed: ${message}`);
        return 1;
    }
}

process.exitCode = await main(process.argv.slice(2));
