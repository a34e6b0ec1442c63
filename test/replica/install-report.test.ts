/**
 * Replica.lastInstall: what the last install_code cascade of a canister measured. An
 * observation of the embedded replica (no IC API); install_code itself behaves as before.
 */
import { IDL } from '@dfinity/candid';
import { Principal } from '@dfinity/principal';
import { wasmPath } from '../../scripts/paths.js';
import { CallRejectedError, Replica } from '../../src/replica/index.js';

const owner = Principal.fromUint8Array(new Uint8Array([9, 0xaa, 0xbb, 0x02]));
const rounds = (n: number) => new Uint8Array(IDL.encode([IDL.Nat32], [n]));
const footgunIdl: IDL.InterfaceFactory = ({ IDL: I }) => I.Service({ add: I.Func([I.Text, I.Opt(I.Vec(I.Text))], [I.Nat64], []) });

describe('Replica.lastInstall', () => {
    let replica: Replica;
    afterEach(async () => {
        await replica.tearDown();
    });

    it('gives each hook of an upgrade its instructions, in order, within one shared budget, and the memories before and after', async () => {
        replica = await Replica.create();
        const { canisterId, actor } = await replica.setupCanister<{ add(t: string, tags: [] | [string[]]): Promise<bigint> }>({ idlFactory: footgunIdl, wasm: wasmPath('footgun_v1'), arg: rounds(100), sender: owner, controllers: [owner] });
        const installed = replica.lastInstall(canisterId)!;
        expect(installed.mode).toBe('install');
        expect(installed.steps.map((s) => s.entry)).toEqual(['canister_init']);
        expect(installed.heapBytesBefore).toBe(0n);
        expect(installed.heapBytesAfter).toBeGreaterThan(0n);

        await actor.add('a record', [['tag']]);
        await replica.upgradeCanister({ canisterId, wasm: wasmPath('footgun_v1'), arg: rounds(100), sender: owner });
        const upgraded = replica.lastInstall(canisterId)!;
        expect(upgraded).not.toBe(installed);
        expect(upgraded.mode).toBe('upgrade');
        expect(upgraded.succeeded).toBe(true);
        expect(upgraded.failure).toBeNull();
        expect(upgraded.steps.map((s) => [s.entry, s.trap])).toEqual([
            ['canister_pre_upgrade', null],
            ['canister_post_upgrade', null]
        ]);
        expect(upgraded.steps.every((s) => s.instructions > 0n)).toBe(true);
        expect(upgraded.totalInstructions).toBe(upgraded.steps[0]!.instructions + upgraded.steps[1]!.instructions);
        expect(upgraded.instructionLimit).toBe(300_000_000_000n);
        expect(upgraded.heapBytesBefore).toBe(installed.heapBytesAfter);
        expect(upgraded.stableBytesAfter).toBeGreaterThanOrEqual(upgraded.stableBytesBefore);
    });

    it('records a rolled-back upgrade: the failing hook with its trap, no later hook, memories unchanged', async () => {
        replica = await Replica.create();
        const { canisterId, actor } = await replica.setupCanister<{ add(t: string, tags: [] | [string[]]): Promise<bigint> }>({ idlFactory: footgunIdl, wasm: wasmPath('footgun_v1'), arg: rounds(1), sender: owner, controllers: [owner] });
        await actor.add('no tags', []);
        const failure = await replica.upgradeCanister({ canisterId, wasm: wasmPath('footgun_v2'), arg: rounds(1), sender: owner }).catch((e: unknown) => e);
        expect(failure).toBeInstanceOf(CallRejectedError);
        const report = replica.lastInstall(canisterId)!;
        expect(report.succeeded).toBe(false);
        expect(report.steps.map((s) => s.entry)).toEqual(['canister_pre_upgrade', 'canister_post_upgrade']);
        expect(report.steps[1]!.trap).toMatch(/TypeError/);
        expect(report.failure).toBe(report.steps[1]!.trap);
        expect(report.heapBytesAfter).toBe(report.heapBytesBefore);
        expect(report.stableBytesAfter).toBe(report.stableBytesBefore);
    });

    it('measures against the install limit in force: a hook that passes it fails the upgrade there', async () => {
        replica = await Replica.create({ instructionLimits: { install: 2_000_000_000n } });
        const { canisterId, actor } = await replica.setupCanister<{ add(t: string, tags: [] | [string[]]): Promise<bigint> }>({ idlFactory: footgunIdl, wasm: wasmPath('footgun_v1'), arg: rounds(20_000), sender: owner, controllers: [owner] });
        await actor.add('x'.repeat(100), [['t']]);
        await expect(replica.upgradeCanister({ canisterId, wasm: wasmPath('footgun_v1'), arg: rounds(1), sender: owner })).rejects.toThrow(/instructions/);
        const report = replica.lastInstall(canisterId)!;
        expect(report.instructionLimit).toBe(2_000_000_000n);
        expect(report.steps).toHaveLength(1);
        expect(report.steps[0]!.entry).toBe('canister_pre_upgrade');
        expect(report.steps[0]!.instructions).toBeGreaterThanOrEqual(2_000_000_000n);
        expect(report.totalInstructions).toBe(report.steps[0]!.instructions);
    });
});
