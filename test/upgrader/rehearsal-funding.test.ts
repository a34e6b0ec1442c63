/**
 * Who pays for a rehearsal. In a deployment that charges (here a registration fee), the price of
 * each rehearsal comes from the app's rehearsal credit, which anyone funds with fund_rehearsals
 * (from a canister: cycles travel only with inter-canister calls): unfunded, the execution waits at
 * rehearsal_create with the app untouched and the upgrader's shared balance unspent; funded, it
 * finishes and the credit loses exactly the price, once, even when create_canister's reply is
 * lost. The credit is capped per app and cleared when the app leaves. (A free deployment's balance
 * pays, as rehearsal.test.ts and rehearsal-cycles.test.ts show.)
 */
import { IDL } from '@dfinity/candid';
import type { Principal } from '@dfinity/principal';

import { type WalletService, idlFactory as walletIdl } from '../../canisters/fixtures/wallet/types';
import { EXECUTION_RESERVE_CYCLES, MAX_REHEARSAL_CREDIT, rehearsalCycles } from '../../canisters/upgrader/limits';
import { RegisterArgs, type Result, ResultApp, ResultNat, type AppInfo } from '../../canisters/upgrader/types';
import { type DemoAppV1Service, idlFactory as v1Idl } from '../../canisters/demo_app/v1/types';
import { wasmPath } from '../../scripts/paths';
import { type Actor, MANAGEMENT_CANISTER_ID, Replica } from '../../src/replica/index';
import { admin, DEFAULT_POLICY, deployApp, deployUpgrader, err, hex, moduleHashOf, ok, recovery, stranger, waitForOutcome } from './fixture';
import { approveUpgrade, type ExecutionScene, gzippedModule, isRunning, letTimePass, recoverByWatchdog, tickUntilInFlight } from './execution-fixture';
import { expectDeleted, REHEARSE, rehearsalCanister } from './rehearsal-support';

const T = 1_000_000_000_000n;
const REGISTRATION_FEE = T;

type Wallet = Actor<WalletService>;
type FundingScene = ExecutionScene & { wallet: Wallet };

/** A charging upgrader (a registration fee; uploads free), an app registered through a wallet that controls it, and two notes in the app. */
async function createChargingScene(): Promise<FundingScene> {
    const replica = await Replica.create();
    const { id: upgraderId, upgrader } = await deployUpgrader(replica, { registration_fee: REGISTRATION_FEE });
    const walletId = await replica.createCanister({ sender: admin, cycles: 1_000n * T });
    await replica.installCode({ canisterId: walletId, wasm: wasmPath('wallet'), sender: admin });
    const wallet = replica.createActor<WalletService>(walletIdl, walletId);
    const app = await deployApp(replica, { name: 'demo_app_v1', upgraderId, extraControllers: [admin, walletId] });
    const registration = { app, policy: DEFAULT_POLICY, snapshot_policy: REHEARSE, recovery };
    ok((await viaWallet<AppInfo>(wallet, upgraderId, 'register', RegisterArgs, registration, ResultApp, REGISTRATION_FEE)).result);
    const notes = replica.createActor<DemoAppV1Service>(v1Idl, app);
    notes.setPrincipal(admin);
    await notes.add_note('first note');
    await notes.add_note('second note');
    const oldHash = (await moduleHashOf(replica, app)) ?? '';
    return { replica, upgraderId, upgrader, app, notes, oldHash, limits: await upgrader.limits(), wallet };
}

/** Calls `method` of the upgrader from the wallet with `cycles` attached: the decoded result and the refund. */
async function viaWallet<T>(wallet: Wallet, upgraderId: Principal, method: string, argType: IDL.Type, arg: unknown, resultType: IDL.Type, cycles: bigint): Promise<{ result: Result<T>; refunded: bigint }> {
    const forwarded = await wallet.forward(upgraderId, method, new Uint8Array(IDL.encode([argType], [arg])), cycles);
    if ('Err' in forwarded) throw new Error(`the wallet's call to ${method} failed: ${forwarded.Err}`);
    const [result] = IDL.decode([resultType], forwarded.Ok.reply) as unknown as [Result<T>];
    return { result, refunded: forwarded.Ok.refunded };
}

function fund(scene: FundingScene, app: Principal, cycles: bigint): Promise<{ result: Result<bigint>; refunded: bigint }> {
    return viaWallet<bigint>(scene.wallet, scene.upgraderId, 'fund_rehearsals', IDL.Principal, app, ResultNat, cycles);
}

/** The execution's priced rehearsal: what it costs the app's credit. */
async function priceOf(scene: ExecutionScene): Promise<bigint> {
    const priced = (await scene.upgrader.get_execution(scene.app))[0]?.rehearsal[0]?.report.state_bytes ?? 0n;
    expect(priced).toBeGreaterThan(0n);
    return rehearsalCycles(priced).total;
}

describe('rehearsal funding', () => {
    const v2 = gzippedModule('demo_app_v2');
    let scene: FundingScene | undefined;

    afterEach(async () => {
        await scene?.replica.tearDown();
        scene = undefined;
    });

    it('waits unfunded, the app untouched and the shared balance unspent; funded, finishes and debits exactly the price', async () => {
        scene = await createChargingScene();
        const { replica, upgrader, upgraderId, app } = scene;
        const before = await replica.getCyclesBalance(upgraderId);
        const id = await approveUpgrade(scene, v2);
        await replica.tick(30);
        upgrader.setPrincipal(stranger);
        const answer = ok(await upgrader.resume(app));
        if (!('waiting_for_cycles' in answer)) throw new Error(`expected waiting_for_cycles, got ${Object.keys(answer).join()}`);
        const price = await priceOf(scene);
        expect(answer.waiting_for_cycles).toEqual({ step: { rehearsal_create: null }, balance: 0n, required: price });
        const waiting = (await upgrader.get_execution(app))[0];
        expect(waiting?.waiting[0]).toContain(`call fund_rehearsals(${app.toText()}) with at least ${price} cycles`);
        expect(waiting?.rehearsal[0]?.report.canister).toEqual([]);
        // The watchdog leaves it alone while the credit is short: no driver takes it (no canister_status per tick).
        await letTimePass(scene, 3 * Number(scene.limits.watchdog_interval_seconds));
        const still = (await upgrader.get_execution(app))[0];
        expect(still?.attempt).toBe(waiting?.attempt);
        expect(still?.rehearsal[0]?.report.canister).toEqual([]);
        expect(await isRunning(scene)).toBe(true);
        expect(await moduleHashOf(replica, app)).toBe(scene.oldHash);
        // Nothing of a rehearsal (over 1 T) was spent from the shared balance.
        expect(before - (await replica.getCyclesBalance(upgraderId))).toBeLessThan(EXECUTION_RESERVE_CYCLES);

        const extra = 7_000_000n;
        const funded = await fund(scene, app, price + extra);
        expect(funded).toEqual({ result: { Ok: price + extra }, refunded: 0n });
        expect(await upgrader.rehearsal_credit(app)).toBe(price + extra);
        await letTimePass(scene, Number(scene.limits.watchdog_interval_seconds) + 1);
        expect(await waitForOutcome(replica, upgrader, id)).toEqual({ upgraded: null });
        expect(await moduleHashOf(replica, app)).toBe(hex(v2.hash));
        await expectDeleted(scene, await rehearsalCanister(scene, id));
        expect(await upgrader.rehearsal_credit(app)).toBe(extra);
        // The shared balance (the balance less the credit held for the app) paid the upgrade, not the rehearsal.
        const shared = (await replica.getCyclesBalance(upgraderId)) - extra;
        expect(before - shared).toBeLessThan(EXECUTION_RESERVE_CYCLES);
    });

    it('debits once when the reply of create_canister is lost and the watchdog creates again', async () => {
        scene = await createChargingScene();
        const { replica, upgrader, upgraderId, app } = scene;
        const credit = 10n * T;
        expect((await fund(scene, app, credit)).result).toEqual({ Ok: credit });
        const id = await approveUpgrade(scene, v2);
        await tickUntilInFlight(scene, 'rehearsal_create');
        // Let canister_status through, lose create_canister's reply.
        replica.faults.onResponses({ receiver: upgraderId, from: MANAGEMENT_CANISTER_ID, fault: 'lose', after: 1 });
        await replica.tick(4);
        expect(replica.faults.armedCount).toBe(0);
        const stuck = (await upgrader.get_execution(app))[0];
        expect(stuck?.rehearsal[0]?.creations).toBe(1);
        const price = await priceOf(scene);
        expect(await upgrader.rehearsal_credit(app)).toBe(credit - price);

        expect(await recoverByWatchdog(scene, id)).toEqual({ upgraded: null });
        expect(await upgrader.rehearsal_credit(app)).toBe(credit - price);
        await expectDeleted(scene, await rehearsalCanister(scene, id));
    });

    it('counts every create_canister sent: after 3 lost replies the rehearsal fails, the app untouched, the price debited once', async () => {
        scene = await createChargingScene();
        const { replica, upgrader, upgraderId, app } = scene;
        const credit = 10n * T;
        expect((await fund(scene, app, credit)).result).toEqual({ Ok: credit });
        const id = await approveUpgrade(scene, v2);
        await tickUntilInFlight(scene, 'rehearsal_create');
        // Each time: canister_status answered, create_canister's reply lost.
        for (let i = 0; i < 3; i++) replica.faults.onResponses({ receiver: upgraderId, from: MANAGEMENT_CANISTER_ID, fault: 'lose', after: 1 });
        const leaseAndTick = Number(scene.limits.lease_seconds + scene.limits.watchdog_interval_seconds) + 1;
        for (let i = 0; i < 3; i++) await letTimePass(scene, leaseAndTick, 8);
        expect(replica.faults.armedCount).toBe(0);
        const outcome = await waitForOutcome(replica, upgrader, id);
        expect(Object.keys(outcome)).toEqual(['rehearsal_failed']);
        expect(JSON.stringify(outcome)).toMatch(/reply was lost 3 times/);
        expect(await isRunning(scene)).toBe(true);
        expect(await moduleHashOf(replica, app)).toBe(scene.oldHash);
        const priced = (await upgrader.get_proposal(id))[0]?.rehearsal[0]?.state_bytes ?? 0n;
        expect(await upgrader.rehearsal_credit(app)).toBe(credit - rehearsalCycles(priced).total);
    });

    it('caps the credit, refunds the rest, and refuses an unknown app and a call without cycles', async () => {
        scene = await createChargingScene();
        const { upgrader, app } = scene;
        const over = await fund(scene, app, MAX_REHEARSAL_CREDIT + 5n * T);
        expect(over).toEqual({ result: { Ok: MAX_REHEARSAL_CREDIT }, refunded: 5n * T });
        // At the cap, nothing more is kept.
        expect(await fund(scene, app, T)).toEqual({ result: { Ok: MAX_REHEARSAL_CREDIT }, refunded: T });
        expect(await upgrader.rehearsal_credit(app)).toBe(MAX_REHEARSAL_CREDIT);

        const unknown = await fund(scene, scene.upgraderId, T);
        expect(unknown.refunded).toBe(T);
        expect(Object.keys(err(unknown.result))).toEqual(['AppNotRegistered']);
        expect(err((await fund(scene, app, 0n)).result)).toEqual({ InsufficientPayment: { required: 1n, available: 0n } });

        // An app that leaves leaves its credit with the upgrader; its entry goes.
        upgrader.setPrincipal(recovery);
        ok(await upgrader.eject(app));
        expect(await upgrader.rehearsal_credit(app)).toBe(0n);
    });
});
