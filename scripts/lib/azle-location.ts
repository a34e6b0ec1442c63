/**
 * Where `azle build` runs so that the module it writes does not depend on the folder the
 * repository sits in.
 *
 * Azle 0.33 embeds `<dfx root>/.azle/<name>/main.js` in the wasm (the name QuickJS gives the
 * main module) and writes esbuild's `// <path>` comments relative to its working directory.
 * Both become folder-independent when azle runs from the main file's folder with the dfx root
 * given relative to it (`../..` for `canisters/upgrader/index.ts`): the embedded name is then
 * `../../.azle/upgrader/main.js` and the comments `// ../../node_modules/...`. The working
 * directory has to be the main file's folder because Azle resolves its import of the main file,
 * `<dfx root>/<main>`, from `<dfx root>/<dirname of main>`, which is only right when the two agree.
 */
import { dirname, isAbsolute, join, relative, sep } from 'node:path';

export type AzleLocation = {
    /** The working directory for `azle build`: the folder of the canister's main file. */
    cwd: string;
    /** AZLE_DFX_ROOT: the repository root relative to `cwd`, made of `..` segments only. */
    dfxRoot: string;
};

export function azleLocation(repoRoot: string, canisterName: string, main: string): AzleLocation {
    const cwd = dirname(join(repoRoot, main));
    const dfxRoot = relative(cwd, repoRoot);
    const segments = dfxRoot.split(sep);
    if (isAbsolute(main) || dfxRoot === '' || segments.some((segment) => segment !== '..')) {
        throw new Error(
            `dfx.json: canister "${canisterName}" has main "${main}"; for a reproducible build it must be a relative ` +
                `path to a file in a folder below the repository root (e.g. canisters/${canisterName}/index.ts)`
        );
    }
    return { cwd, dfxRoot: segments.join('/') };
}
