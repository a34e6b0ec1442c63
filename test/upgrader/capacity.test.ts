/**
 * Capacity that strangers cannot exhaust (issue 7, item 5): registering and reserving module
 * bytes cost cycles fixed at install, only canisters can pay, module quotas are each app's own,
 * and anyone may reap an app the upgrader no longer controls. Throwaway principals that do not
 * pay take nothing; throwaway apps that pay fill only their own quotas; a legitimate app still
 * registers, uploads and upgrades.
 */
import { IDL } from '@dfinity/candid';
import type { Principal } from '@dfinity/principal';

import { type WalletService, idlFactory as walletIdl } from '../../canisters/fixtures/wallet/types';
import {
    type AppInfo,
    CreateModuleArgs,
    type ModuleInfo,
    ProposeArgs,
    RegisterArgs,
    type Result,
    ResultApp,
    ResultModule,
    ResultProposalId,
    UploadChunkArgs
} from '../../canisters/upgrader/types';
import { MAX_MODULE_BYTES } from '../../canisters/upgrader/limits';
import { wasmPath } from '../../scripts/paths';
import type { Actor, Replica } from '../../src/replica/index';
import {
    admin,
    alice,
    bob,
    castVote,
    CHUNK_BYTES,
    DEFAULT_POLICY,
    DEFAULT_SNAPSHOTS,
    deployApp,
    deployUpgrader,
    err,
    loadModule,
    maintainer,
    type Module,
    moduleHashOf,
    hex,
    ok,
    refusedAtInspect,
    policyOf,
    principalOf,
    recovery,
    registerApp,
    stranger,
    subjectOf,
    type Upgrader,
    upgradeRequest,
    waitForOutcome
} from './fixture';
import { eachTestOnFreshReplica } from './each-test';

const REGISTRATION_FEE = 1_000_000_000_000n;
const STORAGE_FEE_PER_MIB = 1_000_000_000n;
/** Throwaway principals that try their luck without paying. */
const THROWAWAY_PRINCIPALS = 24;
/** Throwaway apps a paying stranger registers and fills: 20 x 64 MiB, more than the old 1 GiB store. */
const THROWAWAY_APPS = 20;

type Wallet = Actor<WalletService>;

/** Calls `method` of the upgrader from `wallet`, with `cycles` attached; returns the decoded result and the refund. */
async function viaWallet<T>(wallet: Wallet, upgraderId: Principal, method: string, argType: IDL.Type, arg: unknown, resultType: IDL.Type, cycles = 0n): Promise<{ result: Result<T>; refunded: bigint }> {
    const forwarded = await wallet.forward(upgraderId, method, new Uint8Array(IDL.encode([argType], [arg])), cycles);
    if ('Err' in forwarded) throw new Error(`the wallet's call to ${method} failed: ${forwarded.Err}`);
    const [result] = IDL.decode([resultType], forwarded.Ok.reply) as unknown as [Result<T>];
    return { result, refunded: forwarded.Ok.refunded };
}

async function deployWallet(replica: Replica): Promise<{ id: Principal; wallet: Wallet }> {
    const id = await replica.createCanister({ sender: admin, cycles: 10_000_000_000_000_000n });
    await replica.installCode({ canisterId: id, wasm: wasmPath('wallet'), sender: admin });
    return { id, wallet: replica.createActor<WalletService>(walletIdl, id) };
}

function storagePrice(bytes: bigint): bigint {
    return ((bytes + BigInt(CHUNK_BYTES) - 1n) / BigInt(CHUNK_BYTES)) * STORAGE_FEE_PER_MIB;
}

describe('capacity: paid, per app, and reapable', () => {
    let replica: Replica;
    let upgraderId: Principal;
    let upgrader: Upgrader;
    let v2: Module;

    eachTestOnFreshReplica(async (fresh) => {
        replica = fresh;
        ({ id: upgraderId, upgrader } = await deployUpgrader(replica, { registration_fee: REGISTRATION_FEE, storage_fee_per_mib: STORAGE_FEE_PER_MIB }));
        v2 = loadModule('demo_app_v2');
    });

    it("keeps a legitimate app's registration, upload and upgrade working while throwaway principals and paid throwaway apps try to fill the upgrader", async () => {
        expect(await upgrader.limits()).toMatchObject({ registration_fee: REGISTRATION_FEE, storage_fee_per_mib: STORAGE_FEE_PER_MIB });

        // Throwaway principals, each with a canister the upgrader controls, register over ingress:
        // an ingress message carries no cycles, so each is refused before any management call.
        for (let i = 0; i < THROWAWAY_PRINCIPALS; i++) {
            const who = principalOf(`throwaway-${i}`);
            const canister = await replica.createCanister({ sender: who, controllers: [who, upgraderId, recovery] });
            upgrader.setPrincipal(who);
            const refused = err(await upgrader.register({ app: canister, policy: policyOf([[who, 1]], 1, { proposers: [who] }), snapshot_policy: DEFAULT_SNAPSHOTS, recovery }));
            expect(refused).toEqual({ InsufficientPayment: { required: REGISTRATION_FEE, available: 0n } });
        }

        // A paying stranger registers throwaway apps from its own wallet and fills each one's quota.
        const attacker = await deployWallet(replica);
        for (let i = 0; i < THROWAWAY_APPS; i++) {
            const canister = await replica.createCanister({ sender: admin, controllers: [attacker.id, upgraderId, recovery] });
            const args: RegisterArgs = { app: canister, policy: policyOf([[attacker.id, 1]], 1, { proposers: [attacker.id] }), snapshot_policy: DEFAULT_SNAPSHOTS, recovery };
            ok((await viaWallet<AppInfo>(attacker.wallet, upgraderId, 'register', RegisterArgs, args, ResultApp, REGISTRATION_FEE)).result);
            for (let m = 0; m < 2; m++) {
                const size = MAX_MODULE_BYTES;
                const module: CreateModuleArgs = { app: canister, hash: new Uint8Array(32).fill(i * 2 + m + 1), size };
                ok((await viaWallet<ModuleInfo>(attacker.wallet, upgraderId, 'create_module', CreateModuleArgs, module, ResultModule, storagePrice(size))).result);
            }
            const over: CreateModuleArgs = { app: canister, hash: new Uint8Array(32).fill(255), size: 100n };
            expect(Object.keys(err((await viaWallet<ModuleInfo>(attacker.wallet, upgraderId, 'create_module', CreateModuleArgs, over, ResultModule, storagePrice(100n))).result))).toEqual(['QuotaExceeded']);
        }

        // The legitimate app: its maintainer's wallet is one of its controllers, and pays.
        const owner = await deployWallet(replica);
        const app = await deployApp(replica, { name: 'demo_app_v1', upgraderId, extraControllers: [admin, owner.id] });
        const policy = { ...DEFAULT_POLICY, proposers: [owner.id, maintainer] };
        const registration: RegisterArgs = { app, policy, snapshot_policy: DEFAULT_SNAPSHOTS, recovery };
        // One cycle short: refused, and every cycle comes back.
        const short = await viaWallet<AppInfo>(owner.wallet, upgraderId, 'register', RegisterArgs, registration, ResultApp, REGISTRATION_FEE - 1n);
        expect(err(short.result)).toEqual({ InsufficientPayment: { required: REGISTRATION_FEE, available: REGISTRATION_FEE - 1n } });
        expect(short.refunded).toBe(REGISTRATION_FEE - 1n);
        // More than the fee: exactly the fee is kept.
        const paid = await viaWallet<AppInfo>(owner.wallet, upgraderId, 'register', RegisterArgs, registration, ResultApp, REGISTRATION_FEE + 5_000n);
        expect(ok(paid.result).registered_by.toText()).toBe(owner.id.toText());
        expect(paid.refunded).toBe(5_000n);

        // Strangers cannot reserve in its store; its maintainer cannot without paying either.
        upgrader.setPrincipal(stranger);
        await refusedAtInspect(upgrader.create_module({ app, hash: new Uint8Array(32).fill(7), size: 100n }));
        upgrader.setPrincipal(maintainer);
        expect(err(await upgrader.create_module({ app, hash: v2.hash, size: BigInt(v2.bytes.length) }))).toEqual({
            InsufficientPayment: { required: storagePrice(BigInt(v2.bytes.length)), available: 0n }
        });

        // The upload, paid through the wallet (its uploader), then the chunks.
        const size = BigInt(v2.bytes.length);
        const created = await viaWallet<ModuleInfo>(owner.wallet, upgraderId, 'create_module', CreateModuleArgs, { app, hash: v2.hash, size }, ResultModule, storagePrice(size));
        expect(ok(created.result).chunks_expected).toBe(4);
        expect(created.refunded).toBe(0n);
        for (let index = 0; index * CHUNK_BYTES < v2.bytes.length; index++) {
            const chunk = v2.bytes.subarray(index * CHUNK_BYTES, (index + 1) * CHUNK_BYTES);
            const args: { app: Principal; hash: Uint8Array; index: number; chunk: Uint8Array } = { app, hash: v2.hash, index, chunk };
            ok((await viaWallet<ModuleInfo>(owner.wallet, upgraderId, 'upload_module_chunk', UploadChunkArgs, args, ResultModule)).result);
        }

        // The upgrade: proposed through the wallet, approved by two voters, executed.
        const id = ok((await viaWallet<bigint>(owner.wallet, upgraderId, 'propose', ProposeArgs, { app, action: { upgrade: upgradeRequest(v2) } }, ResultProposalId)).result);
        ok(await castVote(upgrader, alice, id, await subjectOf(upgrader, id)));
        ok(await castVote(upgrader, bob, id, await subjectOf(upgrader, id)));
        expect(await waitForOutcome(replica, upgrader, id)).toEqual({ upgraded: null });
        expect(await moduleHashOf(replica, app)).toBe(hex(v2.hash));
    });

    it('lets anyone reap an app whose upgrader is no longer its controller, and only then', async () => {
        const free = await deployUpgrader(replica);
        const app = await deployApp(replica, { name: 'demo_app_v1', upgraderId: free.id });
        ok(await registerApp(free.upgrader, app));
        free.upgrader.setPrincipal(maintainer);
        ok(await free.upgrader.create_module({ app, hash: new Uint8Array(32).fill(3), size: 100n }));

        // Still a controller: nothing to reap.
        free.upgrader.setPrincipal(stranger);
        expect(err(await free.upgrader.reap(app))).toEqual({
            InvalidArgument: `the upgrader still controls ${app.toText()}, so it cannot be reaped; its recovery principal may eject the upgrader`
        });
        expect((await free.upgrader.get_app(app)).length).toBe(1);

        // Its controllers drop the upgrader without ejecting it: anyone may now free the slot.
        await replica.updateCanisterSettings({ canisterId: app, sender: admin, controllers: [admin, recovery] });
        ok(await free.upgrader.reap(app));
        expect(await free.upgrader.get_app(app)).toEqual([]);
        expect(await free.upgrader.get_module({ app, hash: new Uint8Array(32).fill(3) })).toEqual([]);
        await refusedAtInspect(free.upgrader.reap(app)); // no longer registered
        const registry = await free.upgrader.audit_log({ app: [], start: 0n, limit: 100 });
        expect(registry.entries.map((e) => [Object.keys(e.event)[0], e.actor.toText()])).toEqual([
            ['registered', admin.toText()],
            ['reaped', stranger.toText()]
        ]);

        // With the upgrader back among its controllers, the app registers again.
        await replica.updateCanisterSettings({ canisterId: app, sender: admin, controllers: [admin, recovery, free.id] });
        ok(await registerApp(free.upgrader, app));
    });

    it('never reaps on a failed canister_info', async () => {
        const free = await deployUpgrader(replica);
        const app = await deployApp(replica, { name: 'demo_app_v1', upgraderId: free.id });
        ok(await registerApp(free.upgrader, app));
        // The app is deleted: canister_info about it is rejected, which proves nothing.
        await replica.stopCanister({ canisterId: app, sender: admin });
        await replica.callManagement('delete_canister', { canister_id: app }, admin);
        free.upgrader.setPrincipal(stranger);
        expect(Object.keys(err(await free.upgrader.reap(app)))).toEqual(['ManagementCallFailed']);
        expect((await free.upgrader.get_app(app)).length).toBe(1);
    });
});
