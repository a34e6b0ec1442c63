/**
 * The certified state tree of one replica (IC interface spec, "The system state tree"), and
 * the certificates that sign it.
 *
 *     /time                                   LEB128 ns of the last round
 *     /subnet/<sid>/public_key                the root key (DER)
 *     /subnet/<sid>/canister_ranges           CBOR [[start, end]]
 *     /subnet/<sid>/node/<nid>/public_key     the node's Ed25519 key (DER)
 *     /canister_ranges/<sid>/<start>          the same ranges, sharded (newer agents)
 *     /canister/<cid>/certified_data | controllers | module_hash | metadata/<name>
 *     /request_status/<rid>/status | reply | reject_code | reject_message | error_code
 *
 * The tree is updated after every round (`setTime`, `syncCanisters`), incrementally. A certificate
 * is a witness of the requested paths (plus /time) and one BLS signature over the root
 * hash; the signature is computed once per root hash and reused by every certificate of
 * that state, so certifying costs one signature per round at most, never one per request.
 */
import { Principal } from '@dfinity/principal';
import type { IngressStatus } from '../state/ingress.js';
import type { Canister } from '../state/canister.js';
import type { PreparedModule } from '../wasm/index.js';
import { CborTag, encodeCbor } from '../../encoding/cbor.js';
import { toHex } from '../../encoding/hex.js';
import { encodeLeb128 } from '../../encoding/leb128.js';
import { HashTree, LabeledMap, Leaf, StateNode, wantOf } from './hash-tree.js';
import { ReplicaKeys } from './keys.js';

const SELF_DESCRIBE = 55799n;
const textEncoder = new TextEncoder();

/** The lowest and highest principals: the one subnet's canister range covers every id. */
export const RANGE_START = new Uint8Array(0);
export const RANGE_END = new Uint8Array(29).fill(0xff);

export const utf8 = (text: string): Uint8Array => textEncoder.encode(text);

/** CBOR behind the self-describe tag, as the IC stores CBOR values in the state tree. */
function taggedCbor(value: readonly Uint8Array[] | ReadonlyArray<readonly [Uint8Array, Uint8Array]>): Uint8Array {
    return encodeCbor(new CborTag(SELF_DESCRIBE, value), { selfDescribe: false });
}

/** What the tree last published of a canister (controllers copied: the list may change in place). */
interface CanisterView {
    module: PreparedModule | null;
    controllers: readonly Principal[];
    certifiedData: Uint8Array;
}

/** The path a query's data certificate reveals: /canister/<id>/certified_data (and /time, always). */
export function certifiedDataPath(canisterId: Principal): Uint8Array[][] {
    return [[utf8('canister'), canisterId.toUint8Array(), utf8('certified_data')]];
}

export class StateTree {
    readonly root = new LabeledMap();
    readonly #canisters = new LabeledMap();
    readonly #requestStatus = new LabeledMap();
    readonly #seenCanisters = new Map<string, CanisterView>();
    #time = 0n;
    #signed: { rootHash: string; signature: Uint8Array } | null = null;
    /** BLS signatures made so far (one per certified state at most). */
    signatureCount = 0;

    constructor(readonly keys: ReplicaKeys) {
        const sid = keys.subnetId.toUint8Array();
        const ranges = [[RANGE_START, RANGE_END] as const];
        const node = new LabeledMap();
        const nodeEntry = new LabeledMap();
        nodeEntry.set('public_key', new Leaf(keys.nodePublicKeyDer));
        node.set(keys.nodeId.toUint8Array(), nodeEntry);
        const subnet = new LabeledMap();
        subnet.set('public_key', new Leaf(keys.rootKeyDer));
        subnet.set('canister_ranges', new Leaf(taggedCbor(ranges)));
        subnet.set('node', node);
        const subnets = new LabeledMap();
        subnets.set(sid, subnet);
        const shards = new LabeledMap();
        shards.set(RANGE_START, new Leaf(taggedCbor(ranges)));
        const rangeMap = new LabeledMap();
        rangeMap.set(sid, shards);
        this.root.set('subnet', subnets);
        this.root.set('canister_ranges', rangeMap);
        this.root.set('canister', this.#canisters);
        this.root.set('request_status', this.#requestStatus);
        this.setTime(0n);
    }

    get time(): bigint {
        return this.#time;
    }

    setTime(ns: bigint): void {
        if (ns === this.#time && this.root.has('time')) return;
        this.#time = ns;
        this.root.set('time', new Leaf(encodeLeb128(ns)));
    }

    /** Publishes (or, with null, removes) the status of a request. */
    setRequestStatus(requestId: Uint8Array, status: IngressStatus | null): void {
        if (status === null) this.#requestStatus.delete(requestId);
        else this.#requestStatus.set(requestId, requestStatusNode(status));
        this.root.invalidate('request_status');
    }

    hasRequestStatus(requestId: Uint8Array): boolean {
        return this.#requestStatus.has(requestId);
    }

    /** Refreshes the /canister subtree from the subnet's canisters (only what changed). */
    syncCanisters(canisters: ReadonlyMap<string, Canister>): void {
        let changed = false;
        for (const [text, canister] of canisters) {
            const module = canister.code?.module ?? null;
            const controllers = canister.settings.controllers;
            const seen = this.#seenCanisters.get(text);
            if (seen !== undefined && seen.module === module && sameControllers(seen.controllers, controllers) && bytesEqual(seen.certifiedData, canister.certifiedData)) continue;
            this.#seenCanisters.set(text, { module, controllers: [...controllers], certifiedData: canister.certifiedData });
            this.#canisters.set(canister.id.toUint8Array(), canisterNode(canister));
            changed = true;
        }
        for (const text of [...this.#seenCanisters.keys()]) {
            if (canisters.has(text)) continue;
            this.#seenCanisters.delete(text);
            this.#canisters.delete(Principal.fromText(text).toUint8Array());
            changed = true;
        }
        if (changed) this.root.invalidate('canister');
    }

    rootHash(): Uint8Array {
        return this.root.hash();
    }

    /** The certificate revealing `paths` (and /time), CBOR-encoded with the self-describe tag. */
    certificate(paths: ReadonlyArray<ReadonlyArray<Uint8Array>>): Uint8Array {
        const tree = this.witness(paths);
        return encodeCbor({ tree, signature: this.signature() });
    }

    witness(paths: ReadonlyArray<ReadonlyArray<Uint8Array>>): HashTree {
        const want = wantOf([...paths, [utf8('time')]]);
        return this.root.witness(want);
    }

    /** The signature of the current root hash (signed at most once per distinct state). */
    signature(): Uint8Array {
        const rootHash = this.rootHash();
        const hex = toHex(rootHash);
        if (this.#signed?.rootHash !== hex) {
            this.#signed = { rootHash: hex, signature: this.keys.signStateRoot(rootHash) };
            this.signatureCount++;
        }
        return this.#signed.signature;
    }

    /** Whether the current state was already signed (no signing cost for the next certificate). */
    get isSigned(): boolean {
        return this.#signed?.rootHash === toHex(this.rootHash());
    }
}

function requestStatusNode(status: IngressStatus): StateNode {
    const node = new LabeledMap();
    node.set('status', new Leaf(utf8(status.status)));
    if (status.status === 'replied') node.set('reply', new Leaf(status.reply));
    if (status.status === 'rejected') {
        node.set('reject_code', new Leaf(encodeLeb128(status.reject.code)));
        node.set('reject_message', new Leaf(utf8(status.reject.message)));
        if (status.reject.errorCode !== '') node.set('error_code', new Leaf(utf8(status.reject.errorCode)));
    }
    return node;
}

function canisterNode(canister: Canister): StateNode {
    const node = new LabeledMap();
    node.set('certified_data', new Leaf(canister.certifiedData));
    node.set('controllers', new Leaf(taggedCbor(canister.settings.controllers.map((c) => c.toUint8Array()))));
    const module = canister.code?.module;
    if (module !== undefined) {
        node.set('module_hash', new Leaf(module.moduleHash));
        const info = module.info;
        if (info.publicCustomSections.size + info.privateCustomSections.size > 0) {
            const metadata = new LabeledMap();
            for (const [name, content] of info.publicCustomSections) metadata.set(name, new Leaf(content));
            for (const [name, content] of info.privateCustomSections) metadata.set(name, new Leaf(content));
            node.set('metadata', metadata);
        }
    }
    return node;
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
    return a === b || Buffer.compare(a, b) === 0;
}

/** Same controllers in the same order (compared as bytes: every round checks every canister). */
function sameControllers(a: readonly Principal[], b: readonly Principal[]): boolean {
    return a.length === b.length && a.every((c, i) => c === b[i] || bytesEqual(c.toUint8Array(), b[i]!.toUint8Array()));
}

/** Whether a canister's `metadata/<name>` is private (readable by controllers only). */
export function isPrivateMetadata(canister: Canister, name: Uint8Array): boolean {
    const info = canister.code?.module.info;
    if (info === undefined) return false;
    const text = Buffer.from(name).toString('utf8');
    return info.privateCustomSections.has(text) && !info.publicCustomSections.has(text);
}
