/** The on-disk module cache. */
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { IC0_SIGNATURES } from '../../../src/replica/engine/ic0/index.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
    INSTRUMENTATION_VERSION,
    MODULE_CACHE_ENV,
    clearPreparedModuleCache,
    defaultModuleCacheDir,
    moduleCachePaths,
    prepareModule,
    prepareModuleStats
} from '../../../src/replica/wasm/index.js';
import { toHex } from '../../../src/encoding/hex.js';
import { TestInstance, wat, withCustomSection } from './helpers.js';

const source = `(module (memory 1 8)
  (global $count (mut i32) (i32.const 0))
  (func (export "canister_update bump")
    (global.set $count (i32.add (global.get $count) (i32.const 1)))
    (i32.store (i32.const 4096) (global.get $count)))
  (func (export "canister_post_upgrade"))
  (func (export "count") (result i32) (global.get $count)))`;

describe('module cache', () => {
    let dir: string;
    let bytes: Uint8Array;

    beforeEach(async () => {
        dir = mkdtempSync(join(tmpdir(), 'replica-cache-test-'));
        bytes = withCustomSection(await wat(source), 'icp:public candid:service', 'service : { bump : () -> () }');
        clearPreparedModuleCache();
    });

    afterEach(() => {
        rmSync(dir, { recursive: true, force: true });
        clearPreparedModuleCache();
    });

    function delta(run: () => void): { instrumented: number; diskHits: number; memoryHits: number } {
        const before = prepareModuleStats();
        run();
        const after = prepareModuleStats();
        return {
            instrumented: after.instrumented - before.instrumented,
            diskHits: after.diskHits - before.diskHits,
            memoryHits: after.memoryHits - before.memoryHits
        };
    }

    it('writes the instrumented module and its info under <hash>-v<version>', () => {
        const prepared = prepareModule(bytes, { systemApi: IC0_SIGNATURES, cacheDir: dir });
        const paths = moduleCachePaths(dir, toHex(prepared.moduleHash));
        expect(paths.wasm).toBe(join(dir, `${toHex(prepared.moduleHash)}-v${INSTRUMENTATION_VERSION}.wasm`));
        expect(readdirSync(dir).sort()).toEqual([`${toHex(prepared.moduleHash)}-v${INSTRUMENTATION_VERSION}.json`, `${toHex(prepared.moduleHash)}-v${INSTRUMENTATION_VERSION}.wasm`]);
        expect(WebAssembly.validate(new Uint8Array(readFileSync(paths.wasm)))).toBe(true);
    });

    it('does not let a disk entry bypass a table that lacks one of its imports', async () => {
        const importsTime = await wat(`(module (import "ic0" "time" (func (result i64))))`);
        prepareModule(importsTime, { systemApi: IC0_SIGNATURES, cacheDir: dir });
        clearPreparedModuleCache();
        const withoutTime = new Map([...IC0_SIGNATURES].filter(([name]) => name !== 'time'));
        expect(() => prepareModule(importsTime, { systemApi: withoutTime, cacheDir: dir })).toThrow(/'time' from 'ic0' that is not exported by the runtime/);
        expect(delta(() => prepareModule(importsTime, { systemApi: IC0_SIGNATURES, cacheDir: dir }))).toEqual({ instrumented: 0, diskHits: 1, memoryHits: 0 });
    });

    it('serves a fresh process from disk without instrumenting again', () => {
        const first = prepareModule(bytes, { systemApi: IC0_SIGNATURES, cacheDir: dir });
        clearPreparedModuleCache(); // as if in a new process
        let second = first;
        expect(delta(() => (second = prepareModule(bytes, { systemApi: IC0_SIGNATURES, cacheDir: dir })))).toEqual({ instrumented: 0, diskHits: 1, memoryHits: 0 });
        expect(second).not.toBe(first);
        expect(second.moduleHash).toEqual(first.moduleHash);
        expect(second.wasm).toEqual(first.wasm);
        expect(second.info).toEqual(first.info);
        expect(new TextDecoder().decode(second.info.publicCustomSections.get('candid:service'))).toBe('service : { bump : () -> () }');

        const t = new TestInstance(second);
        t.fn('canister_update bump')();
        t.fn('canister_update bump')();
        expect(t.fn('count')()).toBe(2);
        expect(t.dirtyPages()).toEqual([1]);
        expect(t.prepared.info.mutableGlobals).toEqual([{ exportName: '__replica_global_0', valueType: 'i32' }]);
    });

    it.each([
        ['a flipped byte in the .wasm', (paths: { wasm: string; json: string }) => {
            const wasm = readFileSync(paths.wasm);
            wasm[wasm.length - 3] ^= 0xff;
            writeFileSync(paths.wasm, wasm);
        }],
        ['a truncated .wasm', (paths: { wasm: string; json: string }) => writeFileSync(paths.wasm, readFileSync(paths.wasm).subarray(0, 20))],
        ['garbage in the .json', (paths: { wasm: string; json: string }) => writeFileSync(paths.json, '{"format": 1, "info": ')],
        ['a .json of another shape', (paths: { wasm: string; json: string }) => {
            const record = JSON.parse(readFileSync(paths.json, 'utf8')) as { info: { updateMethods: unknown } };
            record.info.updateMethods = 'bump';
            writeFileSync(paths.json, JSON.stringify(record));
        }],
        ['a missing .json', (paths: { wasm: string; json: string }) => rmSync(paths.json)]
    ])('ignores and rewrites a damaged entry: %s', (_, damage) => {
        const first = prepareModule(bytes, { systemApi: IC0_SIGNATURES, cacheDir: dir });
        const paths = moduleCachePaths(dir, toHex(first.moduleHash));
        const good = { wasm: readFileSync(paths.wasm), json: readFileSync(paths.json, 'utf8') };
        damage(paths);
        clearPreparedModuleCache();
        expect(delta(() => prepareModule(bytes, { systemApi: IC0_SIGNATURES, cacheDir: dir }))).toEqual({ instrumented: 1, diskHits: 0, memoryHits: 0 });
        expect(readFileSync(paths.wasm)).toEqual(good.wasm);
        expect(readFileSync(paths.json, 'utf8')).toBe(good.json);
        clearPreparedModuleCache();
        expect(delta(() => prepareModule(bytes, { systemApi: IC0_SIGNATURES, cacheDir: dir }))).toEqual({ instrumented: 0, diskHits: 1, memoryHits: 0 });
    });

    it('leaves no temporary files behind', () => {
        prepareModule(bytes, { systemApi: IC0_SIGNATURES, cacheDir: dir });
        expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    });

    it('writes nothing when the cache is disabled', () => {
        prepareModule(bytes, { systemApi: IC0_SIGNATURES, cacheDir: null });
        expect(readdirSync(dir)).toEqual([]);
    });

    it('does not fail when the cache directory cannot be created', () => {
        const blocked = join(dir, 'a-file');
        writeFileSync(blocked, 'not a directory');
        expect(prepareModule(bytes, { systemApi: IC0_SIGNATURES, cacheDir: join(blocked, 'cache') }).info.updateMethods.has('bump')).toBe(true);
    });

    it('defaults to <repo>/.cache/replica-modules unless REPLICA_MODULE_CACHE is set', () => {
        const saved = process.env[MODULE_CACHE_ENV];
        try {
            delete process.env[MODULE_CACHE_ENV];
            expect(defaultModuleCacheDir()).toBe(join(process.cwd(), '.cache', 'replica-modules'));
            process.env[MODULE_CACHE_ENV] = dir;
            expect(defaultModuleCacheDir()).toBe(dir);
            prepareModule(bytes, { systemApi: IC0_SIGNATURES });
            expect(readdirSync(dir)).toHaveLength(2);
        } finally {
            if (saved === undefined) delete process.env[MODULE_CACHE_ENV];
            else process.env[MODULE_CACHE_ENV] = saved;
        }
    });
});
