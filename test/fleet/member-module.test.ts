/** The fleet member module answers as specified, in the embedded replica, through the doors a client has. */
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { Principal } from '@dfinity/principal';
import { CallRejectedError, DEFAULT_INSTRUCTION_LIMITS, Replica, type Actor, WASM_PAGE_BYTES } from '../../src/replica/index.js';
import { customSections } from '../../src/client/wasm-metadata.js';
import { forwardReject, forwardReply, prog, universalWasm } from '../replica/conformance/support/universal.js';
import { FLEET_MEMBER_DID, FLEET_MEMBER_VERSIONS, type FleetMember, type FleetMemberVersion, fleetMemberIdl, fleetMemberModule, POST_UPGRADE_TRAP_MESSAGE } from './member-module.js';

const OWNER = Principal.fromUint8Array(new Uint8Array([...new Uint8Array(28).fill(5), 0x02]));
const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');
const CANDID_EMPTY_ARGS = new Uint8Array([0x44, 0x49, 0x44, 0x4c, 0, 0]);

let replica: Replica;
beforeEach(async () => {
    replica = await Replica.create();
});
afterEach(async () => {
    await replica.tearDown();
});

async function install(version: FleetMemberVersion | Uint8Array): Promise<{ canisterId: Principal; member: Actor<FleetMember> }> {
    const wasm = version instanceof Uint8Array ? version : await fleetMemberModule(version);
    const { canisterId, actor } = await replica.setupCanister<FleetMember>({ idlFactory: fleetMemberIdl, wasm, sender: OWNER });
    return { canisterId, member: actor };
}

async function upgrade(canisterId: Principal, version: FleetMemberVersion): Promise<void> {
    await replica.upgradeCanister({ canisterId, wasm: await fleetMemberModule(version), sender: OWNER, arg: new Uint8Array([1, 2, 3]) });
}

async function moduleHashOf(canisterId: Principal): Promise<string> {
    const { module_hash } = await replica.callManagement('canister_status', { canister_id: canisterId }, OWNER);
    return Buffer.from(module_hash[0] ?? []).toString('hex');
}

describe('the fleet member module', () => {
    it('is the same bytes on every build, a distinct module per version and per padding, with its Candid interface as metadata', async () => {
        const hashes = await Promise.all(FLEET_MEMBER_VERSIONS.map(async (v) => sha256(await fleetMemberModule(v))));
        expect(new Set(hashes).size).toBe(FLEET_MEMBER_VERSIONS.length);
        expect(sha256(await fleetMemberModule('v1'))).toBe(hashes[FLEET_MEMBER_VERSIONS.indexOf('v1')]);

        const plain = await fleetMemberModule('v1');
        const padded = await fleetMemberModule('v1', { padBytes: 1 << 20 });
        expect(padded.length - plain.length).toBeGreaterThanOrEqual(1 << 20);
        expect(sha256(await fleetMemberModule('v1', { padBytes: 1 << 20 }))).toBe(sha256(padded));
        expect(sha256(await fleetMemberModule('v2', { padBytes: 1 << 20 }))).not.toBe(sha256(padded));
        // Incompressible: gzip keeps a padded module's size.
        expect(gzipSync(padded).length).toBeGreaterThan(1 << 20);
        expect(new TextDecoder().decode(customSections(plain).get('icp:public candid:service'))).toBe(FLEET_MEMBER_DID);
        await expect(fleetMemberModule('v1', { padBytes: -1 })).rejects.toThrow('padBytes must be a whole number of bytes');
    });

    it('v1 is healthy, names its version and counts bumps in stable memory', async () => {
        const { member } = await install('v1');
        expect(await member.health()).toBe(true);
        expect(await member.version()).toBe('v1');
        expect(await member.count()).toBe(0n);
        expect(await member.bump()).toBe(1n);
        expect(await member.bump()).toBe(2n);
        expect(await member.count()).toBe(2n);
    });

    it('health answers an inter-canister call with empty Candid arguments with the Candid encoding of true (false for unhealthy)', async () => {
        const caller = await replica.createCanister({ sender: OWNER });
        await replica.installCode({ canisterId: caller, wasm: await universalWasm(), arg: new Uint8Array(0), sender: OWNER });
        const askHealth = async (callee: Principal) =>
            Buffer.from(
                await replica.updateCall({
                    canisterId: caller,
                    method: 'run',
                    arg: prog().call({ callee, method: 'health', arg: CANDID_EMPTY_ARGS, onReply: forwardReply(), onReject: forwardReject() }).build(),
                    sender: OWNER
                })
            ).toString('hex');
        const didl = Buffer.from('DIDL').toString('hex');
        expect(await askHealth((await install('v1')).canisterId)).toBe(`${didl}00017e01`);
        expect(await askHealth((await install('unhealthy')).canisterId)).toBe(`${didl}00017e00`);
        expect(await (await install('unhealthy')).member.version()).toBe('unhealthy');
    });

    it('fragile is healthy until its counter is used, then answers false (a bug only real data shows)', async () => {
        const { member } = await install('fragile');
        expect(await member.version()).toBe('fragile');
        expect(await member.health()).toBe(true);
        await member.bump();
        expect(await member.health()).toBe(false);
    });

    it('the counter survives an upgrade v1 -> v2, whose post_upgrade takes any argument', async () => {
        const { canisterId, member } = await install('v1');
        await member.bump();
        await member.bump();
        await upgrade(canisterId, 'v2');
        expect(await member.version()).toBe('v2');
        expect(await member.count()).toBe(2n);
        expect(await member.bump()).toBe(3n);
        expect(await moduleHashOf(canisterId)).toBe(sha256(await fleetMemberModule('v2')));
    });

    it('an upgrade to trap_post_upgrade is refused at install and leaves v1 running with its state', async () => {
        const { canisterId, member } = await install('v1');
        await member.bump();
        const refused = upgrade(canisterId, 'trap_post_upgrade');
        await expect(refused).rejects.toThrow(CallRejectedError);
        await expect(refused).rejects.toThrow(POST_UPGRADE_TRAP_MESSAGE);
        expect(await member.version()).toBe('v1');
        expect(await member.count()).toBe(1n);
        expect(await moduleHashOf(canisterId)).toBe(sha256(await fleetMemberModule('v1')));
        const { status } = await replica.canisterStatus({ canisterId, sender: OWNER });
        expect(status).toEqual({ running: null });
    });

    it('busy_post_upgrade spends over 0.03 % of an upgrade\'s instruction limit in post_upgrade, and keeps the counter', async () => {
        const { canisterId, member } = await install('v1');
        await member.bump();
        await upgrade(canisterId, 'busy_post_upgrade');
        const postUpgrade = replica.lastInstall(canisterId)?.steps.find((s) => s.entry === 'canister_post_upgrade');
        expect(postUpgrade?.trap).toBeNull();
        expect(postUpgrade?.instructions).toBeGreaterThan((DEFAULT_INSTRUCTION_LIMITS.install * 3n) / 10_000n);
        expect(await member.version()).toBe('busy_post_upgrade');
        expect(await member.count()).toBe(1n);
        expect(await member.health()).toBe(true);
    });

    it('with stablePages, holds that many pages of stable memory, kept whole across an upgrade, and is unhealthy once a word of them changes', async () => {
        const pages = 80;
        const wide = (version: FleetMemberVersion) => fleetMemberModule(version, { stablePages: pages });
        expect(sha256(await wide('v1'))).not.toBe(sha256(await fleetMemberModule('v1')));
        expect(sha256(await wide('v1'))).toBe(sha256(await wide('v1')));
        await expect(fleetMemberModule('v1', { stablePages: 0 })).rejects.toThrow('stablePages must be a whole number of 64 KiB pages');
        await expect(fleetMemberModule('v1', { stablePages: 1.5 })).rejects.toThrow('stablePages must be a whole number of 64 KiB pages');

        const { canisterId, member } = await install(await wide('v1'));
        const { memory_metrics } = await replica.callManagement('canister_status', { canister_id: canisterId }, OWNER);
        expect(memory_metrics.stable_memory_size).toBe(BigInt(pages * WASM_PAGE_BYTES));
        expect(await member.health()).toBe(true);
        // The counter is the first word: bumping it leaves the pages whole.
        expect(await member.bump()).toBe(1n);
        expect(await member.health()).toBe(true);
        await replica.upgradeCanister({ canisterId, wasm: await wide('v2'), sender: OWNER, arg: new Uint8Array() });
        expect(await member.version()).toBe('v2');
        expect(await member.count()).toBe(1n);
        expect(await member.health()).toBe(true);

        // Another module, installed over it, changes one word deep in the pages; the member back on it sees that.
        const changeOneWord = prog().ic0('stable64_write', 41 * WASM_PAGE_BYTES + 16, new Uint8Array(8).fill(7));
        await replica.upgradeCanister({ canisterId, wasm: await universalWasm(), sender: OWNER, arg: changeOneWord.build() });
        await replica.upgradeCanister({ canisterId, wasm: await wide('v2'), sender: OWNER, arg: new Uint8Array() });
        expect(await member.count()).toBe(1n);
        expect(await member.health()).toBe(false);

        // A member of one page, upgraded to a module that expects 80, lacks them.
        const narrow = await install('v1');
        await replica.upgradeCanister({ canisterId: narrow.canisterId, wasm: await wide('v2'), sender: OWNER, arg: new Uint8Array() });
        expect(await narrow.member.health()).toBe(false);
    });

    it('installs gzipped, and padded to 8 MiB (through the chunk store), and answers the same', async () => {
        const gzipped = gzipSync(await fleetMemberModule('v1'));
        const small = await install(gzipped);
        expect(await small.member.version()).toBe('v1');
        expect(await moduleHashOf(small.canisterId)).toBe(sha256(gzipped));

        const padded = await fleetMemberModule('v2', { padBytes: 8 << 20 });
        const large = await install(padded);
        expect(await large.member.version()).toBe('v2');
        expect(await large.member.bump()).toBe(1n);
        expect(await moduleHashOf(large.canisterId)).toBe(sha256(padded));
    });
});
