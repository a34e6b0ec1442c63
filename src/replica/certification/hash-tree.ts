/**
 * Hash trees (IC interface spec, "Certification"): the wire form, their hashing, lookups,
 * and an incrementally hashed labeled tree to build certified state from.
 *
 * `LabeledMap` keeps its children in a crit-bit trie over the label bits, so the forks of
 * the tree have a shape that depends only on the set of labels: changing one entry
 * rehashes one path (about log2(n) forks), and a witness for a few paths reveals those
 * paths and prunes everything else. In-order traversal of the trie visits labels in
 * bytewise order, as the spec requires of well-formed trees.
 */
import { createHash } from 'node:crypto';
import { domainSeparator } from './keys.js';

/** Wire form: [0] empty, [1, l, r] fork, [2, label, t] labeled, [3, value] leaf, [4, hash] pruned. */
export type HashTree =
    | readonly [0]
    | readonly [1, HashTree, HashTree]
    | readonly [2, Uint8Array, HashTree]
    | readonly [3, Uint8Array]
    | readonly [4, Uint8Array];

const EMPTY_DS = domainSeparator('ic-hashtree-empty');
const FORK_DS = domainSeparator('ic-hashtree-fork');
const LABELED_DS = domainSeparator('ic-hashtree-labeled');
const LEAF_DS = domainSeparator('ic-hashtree-leaf');

function digest(...parts: Uint8Array[]): Uint8Array {
    const h = createHash('sha256');
    for (const p of parts) h.update(p);
    return new Uint8Array(h.digest());
}

const EMPTY_HASH = digest(EMPTY_DS);
const forkHash = (l: Uint8Array, r: Uint8Array): Uint8Array => digest(FORK_DS, l, r);
const labeledHash = (label: Uint8Array, sub: Uint8Array): Uint8Array => digest(LABELED_DS, label, sub);
const leafHash = (value: Uint8Array): Uint8Array => digest(LEAF_DS, value);

/** The root hash of a (possibly pruned) tree. */
export function reconstruct(tree: HashTree): Uint8Array {
    switch (tree[0]) {
        case 0:
            return EMPTY_HASH;
        case 1:
            return forkHash(reconstruct(tree[1]), reconstruct(tree[2]));
        case 2:
            return labeledHash(tree[1], reconstruct(tree[2]));
        case 3:
            return leafHash(tree[1]);
        case 4:
            return tree[1];
    }
}

export type LookupResult = { status: 'found'; value: Uint8Array } | { status: 'absent' } | { status: 'unknown' } | { status: 'error' };

/** The spec's lookup of a path in a tree (correct bytewise label comparison). */
export function lookupPath(tree: HashTree, path: ReadonlyArray<Uint8Array | string>): LookupResult {
    if (path.length === 0) {
        switch (tree[0]) {
            case 3:
                return { status: 'found', value: tree[1] };
            case 4:
                return { status: 'unknown' };
            case 0:
                return { status: 'absent' };
            default:
                return { status: 'error' };
        }
    }
    const first = path[0]!;
    const label = typeof first === 'string' ? new TextEncoder().encode(first) : first;
    const found = findLabel(tree, label);
    if (found === 'absent') return { status: 'absent' };
    if (found === 'unknown') return { status: 'unknown' };
    return lookupPath(found, path.slice(1));
}

function findLabel(tree: HashTree, label: Uint8Array): HashTree | 'absent' | 'unknown' {
    const items = flattenForks(tree);
    let unknown = false;
    for (const item of items) {
        if (item[0] === 2) {
            const cmp = Buffer.compare(label, item[1]);
            if (cmp === 0) return item[2];
            if (cmp < 0) return unknown ? 'unknown' : 'absent';
            unknown = false;
        } else if (item[0] === 4) {
            unknown = true;
        }
    }
    return unknown ? 'unknown' : 'absent';
}

function flattenForks(tree: HashTree): HashTree[] {
    if (tree[0] === 0) return [];
    if (tree[0] === 1) return [...flattenForks(tree[1]), ...flattenForks(tree[2])];
    return [tree];
}

// ------------------------------------------------------------------ certified state nodes

/**
 * What a witness should reveal below a node: everything, the listed children (with what to
 * reveal below each), or only the node's label (its subtree pruned: absence proofs).
 */
export type Want = 'all' | 'label-only' | Map<string, Want>;

/** A node of certified state: a leaf value or a labeled map. */
export interface StateNode {
    hash(): Uint8Array;
    /** The tree revealing what `want` asks for and pruning the rest. */
    witness(want: Want): HashTree;
}

export class Leaf implements StateNode {
    #hash: Uint8Array | null = null;
    constructor(readonly value: Uint8Array) {}

    hash(): Uint8Array {
        return (this.#hash ??= leafHash(this.value));
    }

    witness(): HashTree {
        return [3, this.value];
    }
}

/** Label bytes as a string key (one char per byte) for Map lookups. */
function labelKey(label: Uint8Array): string {
    return Buffer.from(label.buffer, label.byteOffset, label.byteLength).toString('latin1');
}

function keyLabel(key: string): Uint8Array {
    return new Uint8Array(Buffer.from(key, 'latin1'));
}

interface Entry {
    readonly kind: 'entry';
    readonly label: Uint8Array;
    readonly key: string;
    value: StateNode;
    hash: Uint8Array | null;
}

interface Inner {
    readonly kind: 'inner';
    /** The first bit (in the 9-bits-per-byte key space, see `bitAt`) where its two sides differ. */
    readonly bit: number;
    left: TrieNode;
    right: TrieNode;
    hash: Uint8Array | null;
}

type TrieNode = Entry | Inner;

/**
 * Bit `b` of a label in a key space of 9 bits per byte position: a "present" bit (1 while
 * the label has a byte there) followed by the byte's 8 bits, most significant first. A
 * label that ends sorts before any longer label it is a prefix of, so the bit order is
 * exactly the bytewise lexicographic order of labels.
 */
function bitAt(label: Uint8Array, b: number): number {
    const i = (b / 9) | 0;
    if (i >= label.length) return 0;
    const j = b - i * 9;
    if (j === 0) return 1;
    return (label[i]! >> (8 - j)) & 1;
}

/** The first bit where two labels differ, or -1 if they are equal. */
function critBit(a: Uint8Array, b: Uint8Array): number {
    const n = Math.max(a.length, b.length);
    for (let i = 0; i < n; i++) {
        if (i >= a.length || i >= b.length) return i * 9;
        const x = a[i]! ^ b[i]!;
        if (x !== 0) return i * 9 + 1 + (Math.clz32(x) - 24);
    }
    return -1;
}

/** A map from labels to state nodes, incrementally hashed (see the file comment). */
export class LabeledMap implements StateNode {
    #root: TrieNode | null = null;
    readonly #entries = new Map<string, Entry>();

    get size(): number {
        return this.#entries.size;
    }

    get(label: Uint8Array | string): StateNode | undefined {
        return this.#entries.get(typeof label === 'string' ? label : labelKey(label))?.value;
    }

    has(label: Uint8Array | string): boolean {
        return this.#entries.has(typeof label === 'string' ? label : labelKey(label));
    }

    /** Labels in bytewise order. */
    *labels(): IterableIterator<Uint8Array> {
        const walk = function* (node: TrieNode | null): IterableIterator<Uint8Array> {
            if (node === null) return;
            if (node.kind === 'entry') yield node.label;
            else {
                yield* walk(node.left);
                yield* walk(node.right);
            }
        };
        yield* walk(this.#root);
    }

    /** Sets a child; a string label is taken as UTF-8 text. */
    set(label: Uint8Array | string, value: StateNode): void {
        const bytes = typeof label === 'string' ? new TextEncoder().encode(label) : label;
        const key = labelKey(bytes);
        const existing = this.#entries.get(key);
        if (existing !== undefined) {
            existing.value = value;
            this.invalidate(bytes);
            return;
        }
        const entry: Entry = { kind: 'entry', label: bytes, key, value, hash: null };
        this.#entries.set(key, entry);
        if (this.#root === null) {
            this.#root = entry;
            return;
        }
        let best: TrieNode = this.#root;
        while (best.kind === 'inner') best = bitAt(bytes, best.bit) ? best.right : best.left;
        const crit = critBit(bytes, best.label);
        const direction = bitAt(bytes, crit);
        let parent: Inner | null = null;
        let node: TrieNode = this.#root;
        while (node.kind === 'inner' && node.bit < crit) {
            node.hash = null;
            parent = node;
            node = bitAt(bytes, node.bit) ? node.right : node.left;
        }
        const inner: Inner = { kind: 'inner', bit: crit, left: direction ? node : entry, right: direction ? entry : node, hash: null };
        if (parent === null) this.#root = inner;
        else if (parent.left === node) parent.left = inner;
        else parent.right = inner;
    }

    delete(label: Uint8Array | string): boolean {
        const bytes = typeof label === 'string' ? new TextEncoder().encode(label) : label;
        const key = labelKey(bytes);
        if (!this.#entries.delete(key)) return false;
        let grandparent: Inner | null = null;
        let parent: Inner | null = null;
        let node = this.#root!;
        while (node.kind === 'inner') {
            node.hash = null;
            grandparent = parent;
            parent = node;
            node = bitAt(bytes, node.bit) ? node.right : node.left;
        }
        if (parent === null) {
            this.#root = null;
            return true;
        }
        const sibling = parent.left === node ? parent.right : parent.left;
        if (grandparent === null) this.#root = sibling;
        else if (grandparent.left === parent) grandparent.left = sibling;
        else grandparent.right = sibling;
        return true;
    }

    /** Marks the path to `label` for rehashing (after its value changed in place). */
    invalidate(label: Uint8Array | string): void {
        const bytes = typeof label === 'string' ? new TextEncoder().encode(label) : label;
        let node = this.#root;
        while (node !== null && node.kind === 'inner') {
            node.hash = null;
            node = bitAt(bytes, node.bit) ? node.right : node.left;
        }
        if (node !== null && node.key === labelKey(bytes)) node.hash = null;
    }

    hash(): Uint8Array {
        return this.#root === null ? EMPTY_HASH : nodeHash(this.#root);
    }

    witness(want: Want): HashTree {
        if (this.#root === null) return [0];
        if (want === 'all') return fullTree(this.#root);
        if (want === 'label-only') return [4, this.hash()];
        // Labels asked for but absent are proven absent by revealing their neighbours.
        const reveal = new Map<string, Want>(want);
        for (const key of want.keys()) {
            if (this.#entries.has(key)) continue;
            for (const neighbour of this.#neighbours(keyLabel(key))) if (!reveal.has(neighbour.key)) reveal.set(neighbour.key, 'label-only');
        }
        const labels = [...reveal.keys()].map(keyLabel);
        return witnessNode(this.#root, labels, reveal);
    }

    /** The entries just before and just after an absent label. */
    #neighbours(label: Uint8Array): Entry[] {
        let best: TrieNode = this.#root!;
        while (best.kind === 'inner') best = bitAt(label, best.bit) ? best.right : best.left;
        const crit = critBit(label, best.label);
        const path: Array<{ node: Inner; wentRight: boolean }> = [];
        let node: TrieNode = this.#root!;
        while (node.kind === 'inner' && node.bit < crit) {
            const wentRight = bitAt(label, node.bit) === 1;
            path.push({ node, wentRight });
            node = wentRight ? node.right : node.left;
        }
        const out: Entry[] = [];
        if (bitAt(label, crit) === 1) {
            // Greater than everything below `node`.
            out.push(extreme(node, 'right'));
            const up = [...path].reverse().find((p) => !p.wentRight);
            if (up !== undefined) out.push(extreme(up.node.right, 'left'));
        } else {
            out.push(extreme(node, 'left'));
            const up = [...path].reverse().find((p) => p.wentRight);
            if (up !== undefined) out.push(extreme(up.node.left, 'right'));
        }
        return out;
    }
}

function extreme(node: TrieNode, side: 'left' | 'right'): Entry {
    while (node.kind === 'inner') node = side === 'left' ? node.left : node.right;
    return node;
}

function nodeHash(node: TrieNode): Uint8Array {
    if (node.hash !== null) return node.hash;
    node.hash = node.kind === 'entry' ? labeledHash(node.label, node.value.hash()) : forkHash(nodeHash(node.left), nodeHash(node.right));
    return node.hash;
}

function fullTree(node: TrieNode): HashTree {
    if (node.kind === 'entry') return [2, node.label, node.value.witness('all')];
    return [1, fullTree(node.left), fullTree(node.right)];
}

function witnessNode(node: TrieNode, labels: Uint8Array[], want: Map<string, Want>): HashTree {
    if (labels.length === 0) return [4, nodeHash(node)];
    if (node.kind === 'entry') {
        const sub = want.get(node.key);
        if (sub === undefined) return [4, nodeHash(node)];
        return [2, node.label, sub === 'label-only' ? [4, node.value.hash()] : node.value.witness(sub)];
    }
    const left: Uint8Array[] = [];
    const right: Uint8Array[] = [];
    for (const l of labels) (bitAt(l, node.bit) ? right : left).push(l);
    return [1, witnessNode(node.left, left, want), witnessNode(node.right, right, want)];
}

/** Builds a Want from paths (each a list of labels): a path ending at a node wants all of it. */
export function wantOf(paths: ReadonlyArray<ReadonlyArray<Uint8Array>>): Want {
    if (paths.some((p) => p.length === 0)) return 'all';
    const want = new Map<string, Want>();
    const groups = new Map<string, Uint8Array[][]>();
    for (const path of paths) {
        const key = labelKey(path[0]!);
        let group = groups.get(key);
        if (group === undefined) groups.set(key, (group = []));
        group.push(path.slice(1));
    }
    for (const [key, rests] of groups) want.set(key, wantOf(rests));
    return want;
}
