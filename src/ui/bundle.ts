/**
 * Builds the voters' page (page/main.ts and everything it imports, @dfinity/agent included) into
 * one browser script with esbuild, once per process: every page server of the process shares it.
 */
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { build } from 'esbuild';

const PAGE_DIR = join(dirname(fileURLToPath(import.meta.url)), 'page');

/** The files the page server serves, as bytes. */
export interface PageBundle {
    html: string;
    script: Uint8Array;
    style: Uint8Array;
}

/** The page could not be built (a broken source file); the message carries esbuild's diagnostics. */
export class PageBuildError extends Error {
    override name = 'PageBuildError';
}

async function buildPage(): Promise<PageBundle> {
    let result;
    try {
        result = await build({
            entryPoints: [join(PAGE_DIR, 'main.ts')],
            bundle: true,
            format: 'esm',
            platform: 'browser',
            target: 'es2022',
            minify: true,
            sourcemap: false,
            write: false,
            logLevel: 'silent',
            legalComments: 'none'
        });
    } catch (error) {
        throw new PageBuildError(`Building the voters' page (${PAGE_DIR}) failed; fix the source and start again: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
    const script = result.outputFiles[0]?.contents;
    if (script === undefined) throw new PageBuildError(`Building the voters' page produced no script`);
    const [html, style] = await Promise.all([readFile(join(PAGE_DIR, 'index.html'), 'utf8'), readFile(join(PAGE_DIR, 'style.css'))]);
    return { html, script, style: new Uint8Array(style) };
}

let cached: Promise<PageBundle> | undefined;

/** The page's bundle, built on first use (a few seconds) and kept for the life of the process. */
export function pageBundle(): Promise<PageBundle> {
    cached ??= buildPage().catch((error: unknown) => {
        cached = undefined;
        throw error;
    });
    return cached;
}
