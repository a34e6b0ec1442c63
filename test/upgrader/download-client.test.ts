/**
 * UpgraderClient.downloadModule (issue 9, item 3): fetches every chunk of a stored module with
 * get_module_chunk and checks its SHA-256 against the name it is stored under, so a voter gets
 * either the exact bytes the proposal names or a typed error; a module the IC refused stays
 * downloadable, and its download shows why.
 */
import { ModuleHashMismatchError, ModuleIncompleteError, ModuleNotFoundError, UpgraderClient } from '../../src/client/upgrader';
import { approveUpgrade, createExecutionScene, type ExecutionScene } from './execution-fixture';
import { CHUNK_BYTES, loadModule, maintainer, ok, sha256, stranger, uploadModule, waitForOutcome } from './fixture';

describe('UpgraderClient.downloadModule', () => {
    const v2 = loadModule('demo_app_v2');
    let scene: ExecutionScene;

    afterEach(async () => {
        await scene.replica.tearDown();
    });

    it('returns the exact bytes of a stored module, reporting each chunk, to a stranger', async () => {
        scene = await createExecutionScene();
        const { upgrader, app } = scene;
        const info = await uploadModule(upgrader, app, v2);
        upgrader.setPrincipal(stranger);
        const progress: Array<[number, number]> = [];
        const bytes = await UpgraderClient.fromService(upgrader).downloadModule(app, v2.hash, { onProgress: (received, total) => progress.push([received, total]) });
        expect(bytes).toEqual(v2.bytes);
        expect(progress).toEqual(Array.from({ length: info.chunks_expected }, (_, i) => [i + 1, info.chunks_expected]));
    });

    it('throws ModuleNotFoundError and ModuleIncompleteError for what cannot be downloaded', async () => {
        scene = await createExecutionScene();
        const { upgrader, app } = scene;
        const client = UpgraderClient.fromService(upgrader);
        await expect(client.downloadModule(app, sha256(new TextEncoder().encode('never uploaded')))).rejects.toBeInstanceOf(ModuleNotFoundError);
        upgrader.setPrincipal(maintainer);
        ok(await upgrader.create_module({ app, hash: v2.hash, size: BigInt(v2.bytes.length) }));
        ok(await upgrader.upload_module_chunk({ app, hash: v2.hash, index: 0, chunk: v2.bytes.subarray(0, CHUNK_BYTES) }));
        upgrader.setPrincipal(stranger);
        const incomplete = client.downloadModule(app, v2.hash);
        await expect(incomplete).rejects.toBeInstanceOf(ModuleIncompleteError);
        await expect(incomplete).rejects.toThrow(/has 1 of 4 chunks/);
    });

    it('downloads a module the IC refused, and says its bytes do not hash to its name', async () => {
        scene = await createExecutionScene();
        const { replica, upgrader, app } = scene;
        const claimed = new Uint8Array(32).fill(7);
        await uploadModule(upgrader, app, v2, { claimedHash: claimed });
        const id = await approveUpgrade(scene, { ...v2, hash: claimed }, false);
        expect(Object.keys(await waitForOutcome(replica, upgrader, id))).toEqual(['install_failed']);
        expect((await upgrader.get_module({ app, hash: claimed }))[0]?.rejected).toBe(true);

        upgrader.setPrincipal(stranger);
        const error: unknown = await UpgraderClient.fromService(upgrader)
            .downloadModule(app, claimed)
            .then(
                () => null,
                (e: unknown) => e
            );
        expect(error).toBeInstanceOf(ModuleHashMismatchError);
        const mismatch = error as ModuleHashMismatchError;
        expect(mismatch.expected).toEqual(claimed);
        expect(mismatch.actual).toEqual(v2.hash);
        expect(mismatch.bytes).toEqual(v2.bytes);
        expect(mismatch.message).toMatch(/the IC will refuse to install it/);
    });
});
