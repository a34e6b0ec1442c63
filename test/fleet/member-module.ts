/**
 * The fleet member: a tiny app canister, assembled at run time from WebAssembly text, that
 * tests and benchmarks install by the thousand (an Azle app carries a ~100 MB heap; this one
 * has one 64 KiB Wasm page and one page of stable memory, or a few MB of it with `stablePages`).
 *
 * Its interface (also in its `icp:public candid:service` metadata):
 * - `health : () -> (bool)`, an update method (the upgrader calls the policy's health method
 *   inter-canister, with empty Candid arguments): `true`, or `false` for `unhealthy` (and, with
 *   `stablePages`, when its stable memory is not whole);
 * - `version : () -> (text) query`: the version's name;
 * - `bump : () -> (nat64)`: adds one to a counter kept in stable memory (so it survives
 *   upgrades and shows a rollback) and replies the new value;
 * - `count : () -> (nat64) query`: the counter.
 * `canister_init` and `canister_post_upgrade` accept any argument and ignore it; `pre_upgrade`
 * does nothing. Version `trap_post_upgrade` traps in post_upgrade, so the IC refuses an upgrade to it;
 * `busy_post_upgrade` spends some hundred million instructions in it, a hook an upgrade's budget notices.
 */
import { createHash } from 'node:crypto';
import { IDL } from '@dfinity/candid';
import { concatBytes } from '../../src/encoding/bytes.js';
import { encodeLeb128 } from '../../src/encoding/leb128.js';
import { MAX_STABLE_PAGES, WASM_PAGE_BYTES } from '../../src/replica/constants.js';
import { wat } from '../replica/conformance/support/wat.js';

/** How each version behaves; every version is a distinct module (its name is in its data). */
const VERSIONS = {
    v1: { healthy: true, trapsInPostUpgrade: false, failsWhenUsed: false, postUpgradeSpins: 0 },
    v2: { healthy: true, trapsInPostUpgrade: false, failsWhenUsed: false, postUpgradeSpins: 0 },
    unhealthy: { healthy: false, trapsInPostUpgrade: false, failsWhenUsed: false, postUpgradeSpins: 0 },
    trap_post_upgrade: { healthy: true, trapsInPostUpgrade: true, failsWhenUsed: false, postUpgradeSpins: 0 },
    /** A bug only real data shows: healthy on a member never bumped, unhealthy once its counter is above 0. */
    fragile: { healthy: true, trapsInPostUpgrade: false, failsWhenUsed: true, postUpgradeSpins: 0 },
    /** post_upgrade turns an empty loop this many times: over 0.03 % of an upgrade's 300 B instructions. */
    busy_post_upgrade: { healthy: true, trapsInPostUpgrade: false, failsWhenUsed: false, postUpgradeSpins: 20_000_000 }
} as const;

/** Stable pages (5.24 MB) that make a member's snapshot span several 2,000,000-byte slices, for the rehearsal and backup tests. */
export const MULTI_SLICE_STABLE_PAGES = 80;

export type FleetMemberVersion = keyof typeof VERSIONS;
export const FLEET_MEMBER_VERSIONS = Object.keys(VERSIONS) as FleetMemberVersion[];

/** What `trap_post_upgrade`'s post_upgrade traps with. */
export const POST_UPGRADE_TRAP_MESSAGE = 'fleet member trap_post_upgrade: post_upgrade traps on purpose, so the IC refuses this upgrade';

export const FLEET_MEMBER_DID = `service : {
  health : () -> (bool);
  version : () -> (text) query;
  bump : () -> (nat64);
  count : () -> (nat64) query;
}
`;

export const fleetMemberIdl: IDL.InterfaceFactory = ({ IDL: I }) =>
    I.Service({
        health: I.Func([], [I.Bool], []),
        version: I.Func([], [I.Text], ['query']),
        bump: I.Func([], [I.Nat64], []),
        count: I.Func([], [I.Nat64], ['query'])
    });

export interface FleetMember {
    health(): Promise<boolean>;
    version(): Promise<string>;
    bump(): Promise<bigint>;
    count(): Promise<bigint>;
}

export interface FleetMemberOptions {
    /**
     * Bytes of a custom section `fleet:padding` appended to the module (deterministic, and
     * incompressible so gzip keeps the size), e.g. 8 MiB to show a cost does not grow with
     * the module's size. Not an `icp:` section, so the IC's 1 MiB metadata limit does not apply. Default 0.
     */
    padBytes?: number;
    /**
     * Pages (64 KiB) of stable memory the first install grows to, instead of one. Every 8-byte
     * word of them but the counter holds its own offset (little-endian), and `health` answers
     * false unless all of them still do: a copy of the member that lost or moved any of its
     * stable memory (a snapshot copied wrong) fails its health check. Default 1, no check.
     */
    stablePages?: number;
}

/** Where the replies are laid out in the module's memory. */
const AT = { health: 0, count: 16, version: 64, trap: 512, scratch: 1024, page: WASM_PAGE_BYTES } as const;
/** Candid's header of one value of type bool (0x7e), nat64 (0x78) or text (0x71): magic, no type table, one argument. */
const candidOne = (type: number): number[] => [...new TextEncoder().encode('DIDL'), 0, 1, type];

/** Bytes as a WAT string literal. */
function watString(bytes: Iterable<number>): string {
    return [...bytes].map((b) => `\\${b.toString(16).padStart(2, '0')}`).join('');
}

/**
 * With more than one stable page: fills them at the first install, and `$stable_whole` checks
 * them, a page at a time through the module's second Wasm page. Word 0 is the counter (0 at first,
 * its offset).
 */
function stableWat(stablePages: number): string {
    if (stablePages === 1) return '(func $fill_stable (drop (call $stable_grow (i64.const 1))))';
    const eachWord = (body: string): string => `(local.set $word (i32.const 0))
    (loop $words
      ${body}
      (local.set $word (i32.add (local.get $word) (i32.const 8)))
      (br_if $words (i32.lt_u (local.get $word) (i32.const ${WASM_PAGE_BYTES}))))`;
    const offset = `(i64.add (local.get $start) (i64.extend_i32_u (local.get $word)))`;
    const word = `(i64.load (i32.add (i32.const ${AT.page}) (local.get $word)))`;
    return `(func $fill_stable (local $start i64) (local $word i32)
    (drop (call $stable_grow (i64.const ${stablePages})))
    (loop $pages
      ${eachWord(`(i64.store (i32.add (i32.const ${AT.page}) (local.get $word)) ${offset})`)}
      (call $stable_write (local.get $start) (i64.const ${AT.page}) (i64.const ${WASM_PAGE_BYTES}))
      (local.set $start (i64.add (local.get $start) (i64.const ${WASM_PAGE_BYTES})))
      (br_if $pages (i64.lt_u (local.get $start) (i64.const ${stablePages * WASM_PAGE_BYTES})))))
  (func $stable_whole (result i32) (local $start i64) (local $word i32)
    (if (i64.ne (call $stable_size) (i64.const ${stablePages})) (then (return (i32.const 0))))
    (loop $pages
      (call $stable_read (i64.const ${AT.page}) (local.get $start) (i64.const ${WASM_PAGE_BYTES}))
      ${eachWord(`(if (i32.and (i64.ne ${word} ${offset}) (i64.ne ${offset} (i64.const 0))) (then (return (i32.const 0))))`)}
      (local.set $start (i64.add (local.get $start) (i64.const ${WASM_PAGE_BYTES})))
      (br_if $pages (i64.lt_u (local.get $start) (i64.const ${stablePages * WASM_PAGE_BYTES}))))
    (i32.const 1))`;
}

function memberWat(version: FleetMemberVersion, stablePages: number): string {
    const { healthy, trapsInPostUpgrade, failsWhenUsed, postUpgradeSpins } = VERSIONS[version];
    // The reply's last byte is the bool: `fragile` and a member with stable pages write it before replying.
    const healthByte = AT.health + candidOne(0x7e).length;
    const conditions = [...(failsWhenUsed ? ['(i64.eqz (call $read_counter))'] : []), ...(stablePages > 1 ? ['(call $stable_whole)'] : [])];
    const judgeHealth = healthy && conditions.length > 0 ? `(i32.store8 (i32.const ${healthByte}) ${conditions.reduce((all, condition) => `(i32.and ${all} ${condition})`)})` : '';
    const name = new TextEncoder().encode(version);
    const versionReply = [...candidOne(0x71), ...encodeLeb128(name.length), ...name];
    const trapMessage = new TextEncoder().encode(POST_UPGRADE_TRAP_MESSAGE);
    const spin = `(local $left i32) (local.set $left (i32.const ${postUpgradeSpins}))
    (loop $spin (local.set $left (i32.sub (local.get $left) (i32.const 1))) (br_if $spin (local.get $left)))`;
    const postUpgrade = trapsInPostUpgrade
        ? `(call $trap (i32.const ${AT.trap}) (i32.const ${trapMessage.length}))`
        : `${postUpgradeSpins > 0 ? spin : ''} (call $ensure_counter)`;
    return `(module
  (import "ic0" "msg_reply_data_append" (func $append (param i32 i32)))
  (import "ic0" "msg_reply" (func $reply))
  (import "ic0" "stable64_size" (func $stable_size (result i64)))
  (import "ic0" "stable64_grow" (func $stable_grow (param i64) (result i64)))
  (import "ic0" "stable64_read" (func $stable_read (param i64 i64 i64)))
  (import "ic0" "stable64_write" (func $stable_write (param i64 i64 i64)))
  (import "ic0" "trap" (func $trap (param i32 i32)))
  (memory ${stablePages > 1 ? 2 : 1})
  (data (i32.const ${AT.health}) "${watString([...candidOne(0x7e), healthy ? 1 : 0])}")
  (data (i32.const ${AT.count}) "${watString(candidOne(0x78))}")
  (data (i32.const ${AT.version}) "${watString(versionReply)}")
  (data (i32.const ${AT.trap}) "${watString(trapMessage)}")

  ;; The counter lives in the first 8 bytes of stable memory, which the first install grows (to one page unless told).
  ${stableWat(stablePages)}
  (func $ensure_counter
    (if (i64.eqz (call $stable_size))
      (then (call $fill_stable))))
  (func $read_counter (result i64)
    (if (i64.eqz (call $stable_size)) (then (return (i64.const 0))))
    (call $stable_read (i64.const ${AT.scratch}) (i64.const 0) (i64.const 8))
    (i64.load (i32.const ${AT.scratch})))
  (func $reply_counter (param $value i64)
    (i64.store (i32.const ${AT.scratch}) (local.get $value))
    (call $append (i32.const ${AT.count}) (i32.const ${candidOne(0x78).length}))
    (call $append (i32.const ${AT.scratch}) (i32.const 8))
    (call $reply))

  (func (export "canister_init") (call $ensure_counter))
  (func (export "canister_pre_upgrade"))
  (func (export "canister_post_upgrade") ${postUpgrade})
  (func (export "canister_update health")
    ${judgeHealth}
    (call $append (i32.const ${AT.health}) (i32.const ${candidOne(0x7e).length + 1}))
    (call $reply))
  (func (export "canister_query version")
    (call $append (i32.const ${AT.version}) (i32.const ${versionReply.length}))
    (call $reply))
  (func (export "canister_query count") (call $reply_counter (call $read_counter)))
  (func (export "canister_update bump") (local $next i64)
    (call $ensure_counter)
    (local.set $next (i64.add (call $read_counter) (i64.const 1)))
    (i64.store (i32.const ${AT.scratch}) (local.get $next))
    (call $stable_write (i64.const 0) (i64.const ${AT.scratch}) (i64.const 8))
    (call $reply_counter (local.get $next)))
)`;
}

/** A Wasm custom section: id 0, its size, then its name and content. */
function customSection(name: string, content: Uint8Array): Uint8Array {
    const nameBytes = new TextEncoder().encode(name);
    const nameLength = encodeLeb128(nameBytes.length);
    return concatBytes([new Uint8Array([0]), encodeLeb128(nameLength.length + nameBytes.length + content.length), nameLength, nameBytes, content]);
}

/** `size` bytes that depend only on the version and size (SHAKE-256 output, incompressible). */
function padding(version: FleetMemberVersion, size: number): Uint8Array {
    return new Uint8Array(createHash('shake256', { outputLength: size }).update(`fleet member ${version} padding`).digest());
}

/**
 * The member module of `version`, raw Wasm with its Candid metadata; the same bytes on every
 * call. Each version (and each padding size and stable pages) is a module of its own SHA-256.
 */
export async function fleetMemberModule(version: FleetMemberVersion, options: FleetMemberOptions = {}): Promise<Uint8Array> {
    const padBytes = options.padBytes ?? 0;
    if (!Number.isSafeInteger(padBytes) || padBytes < 0) throw new Error(`fleetMemberModule: padBytes must be a whole number of bytes, 0 or more (got ${padBytes})`);
    const stablePages = options.stablePages ?? 1;
    if (!Number.isSafeInteger(stablePages) || stablePages < 1 || BigInt(stablePages) > MAX_STABLE_PAGES) {
        throw new Error(`fleetMemberModule: stablePages must be a whole number of 64 KiB pages from 1 to ${MAX_STABLE_PAGES} (got ${stablePages})`);
    }
    const encoder = new TextEncoder();
    const sections = [
        await wat(memberWat(version, stablePages)),
        customSection('icp:public candid:service', encoder.encode(FLEET_MEMBER_DID)),
        customSection('icp:public candid:args', encoder.encode('()'))
    ];
    if (padBytes > 0) sections.push(customSection('fleet:padding', padding(version, padBytes)));
    return concatBytes(sections);
}
