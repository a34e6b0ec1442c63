/**
 * The upgrader as deployed for real: sealed (the fixture's deployUpgrader seals it, so every
 * upgrader test but one runs against a sealed upgrader). Nobody, its deployer included, can
 * change its code, settings or run state any more, and it keeps what it needs to run on its own:
 * anyone can top it up with deposit_cycles.
 */
import { IDL } from '@dfinity/candid';
import { Principal } from '@dfinity/principal';

import { idlFactory as walletIdl, type WalletService } from '../../canisters/fixtures/wallet/types';
import { wasmPath } from '../../scripts/paths';
import { CallRejectedError, Replica } from '../../src/replica/index';
import { admin, deployGovernedApp, deployUpgrader, sealCanister, stranger } from './fixture';

async function rejectionOf(call: Promise<unknown>): Promise<string> {
    try {
        await call;
    } catch (error) {
        if (error instanceof CallRejectedError) return error.errorCode;
        throw error;
    }
    throw new Error('expected the call to be rejected, but it succeeded');
}

describe('a sealed upgrader', () => {
    let replica: Replica;

    beforeEach(async () => {
        replica = await Replica.create();
    });

    afterEach(async () => {
        await replica.tearDown();
    });

    it('refuses its deployer every management change (code, settings, stop, uninstall), and takes cycles from anyone', async () => {
        const { upgraderId, upgrader, app } = await deployGovernedApp(replica);
        expect(await replica.getControllers(upgraderId)).toEqual([]);
        const attempts = [
            () => replica.upgradeCanister({ canisterId: upgraderId, wasm: wasmPath('upgrader'), sender: admin }),
            () => replica.updateCanisterSettings({ canisterId: upgraderId, controllers: [admin], sender: admin }),
            () => replica.stopCanister({ canisterId: upgraderId, sender: admin }),
            () => replica.callManagement('uninstall_code', { canister_id: upgraderId, sender_canister_version: [] }, admin)
        ];
        for (const attempt of attempts) expect(await rejectionOf(attempt())).toBe('IC0512');
        expect((await upgrader.get_app(app))[0]?.app).toEqual(app);

        // A stranger's canister tops it up (ingress carries no cycles).
        const walletId = await replica.createCanister({ sender: stranger, cycles: 10_000_000_000_000n });
        await replica.installCode({ canisterId: walletId, wasm: wasmPath('wallet'), sender: stranger });
        const wallet = replica.createActor<WalletService>(walletIdl, walletId);
        const before = await replica.getCyclesBalance(upgraderId);
        const amount = 1_000_000_000_000n;
        const deposited = await wallet.forward(Principal.managementCanister(), 'deposit_cycles', new Uint8Array(IDL.encode([IDL.Record({ canister_id: IDL.Principal })], [{ canister_id: upgraderId }])), amount);
        expect(deposited).toMatchObject({ Ok: { refunded: 0n } });
        expect(await replica.getCyclesBalance(upgraderId)).toBe(before + amount);
    });

    it('is sealed only when told: sealCanister needs the controller, and deployUpgrader can leave it unsealed for tests that upgrade it', async () => {
        const { id } = await deployUpgrader(replica, {}, undefined, { sealed: false });
        expect(await replica.getControllers(id)).toEqual([admin]);
        expect(await rejectionOf(sealCanister(replica, id, stranger))).toBe('IC0512');
        await sealCanister(replica, id);
        expect(await replica.getControllers(id)).toEqual([]);
    });
});
