/**
 * Jest globalSetup: builds the Azle canisters of dfx.json before any test runs. Unchanged
 * canisters are skipped through their fingerprints, so this costs well under a second when
 * nothing changed.
 *
 * Jest loads a globalSetup module as CommonJS (through the SWC transform, without
 * moduleNameMapper), where neither the `.js` import suffixes nor `import.meta` of the build
 * scripts work. So the build library is loaded as real ESM through tsx instead of a static import.
 */
import { join } from 'node:path';

import { require as tsxRequire } from 'tsx/cjs/api';

type BuildLib = typeof import('../scripts/build-lib.js');

export default async function globalSetup(_globalConfig: unknown, projectConfig: { rootDir: string }): Promise<void> {
    const libPath = join(projectConfig.rootDir, 'scripts', 'build-lib.ts');
    const lib: unknown = tsxRequire(libPath, libPath);
    if (!isBuildLib(lib)) throw new Error(`${libPath} does not export buildCanisters`);
    await lib.buildCanisters({ log: (line) => process.stderr.write(`[build] ${line}\n`) });
}

function isBuildLib(value: unknown): value is BuildLib {
    return typeof value === 'object' && value !== null && typeof Reflect.get(value, 'buildCanisters') === 'function';
}
