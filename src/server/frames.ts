/**
 * The frames of the state directory's files, and the rules that tell a crash from damage.
 *
 * A frame is `u32 length ‖ u32 header check ‖ 8-byte SHA-256 prefix of the payload ‖ payload`.
 * The header check (a hash of the length) makes a damaged length detectable on its own, so
 * a reader never has to guess whether a frame that runs past the end of the file was torn
 * by a crash or had its length field damaged.
 *
 * - A log (`wal-<n>.log`) grows by one frame per round, each appended and fsync'ed. A crash
 *   can tear only its last frame: a prefix of it, possibly followed by zeros. Anything else
 *   that does not check (a bad frame with more data after it) is damage, reported as such.
 * - A checkpoint (`checkpoint-<n>.bin`) ends with an `end` frame holding the number of frames
 *   before it and the SHA-256 of their bytes: a checkpoint without it, or whose count or
 *   digest does not match, is refused as a whole (it cannot prove it holds the whole state).
 */
import { createHash } from 'node:crypto';
import { CborInput, CborValue, decodeCbor, encodeCbor } from '../encoding/cbor.js';

export const FRAME_HEADER_BYTES = 16;

function digest(bytes: Uint8Array): Uint8Array {
    return new Uint8Array(createHash('sha256').update(bytes).digest());
}

function headerCheck(length: number): number {
    const bytes = new Uint8Array(4);
    new DataView(bytes.buffer).setUint32(0, length);
    return new DataView(digest(bytes).buffer).getUint32(0);
}

export function frame(payload: CborInput): Uint8Array {
    const body = encodeCbor(payload, { selfDescribe: false });
    const out = new Uint8Array(FRAME_HEADER_BYTES + body.length);
    const view = new DataView(out.buffer);
    view.setUint32(0, body.length);
    view.setUint32(4, headerCheck(body.length));
    out.set(digest(body).subarray(0, 8), 8);
    out.set(body, FRAME_HEADER_BYTES);
    return out;
}

/** Why reading stopped before the end of the bytes. */
export type FrameStop =
    | { kind: 'end' }
    /** The last frame is incomplete (a prefix of a frame, maybe followed by zeros): an interrupted append. */
    | { kind: 'torn'; at: number }
    /** A frame that does not check, with more data after it: the file was damaged. */
    | { kind: 'corrupt'; at: number; index: number; reason: string };

export interface FrameScan {
    frames: CborValue[];
    /** Bytes of the complete, checked frames at the start. */
    validBytes: number;
    stop: FrameStop;
}

function allZero(bytes: Uint8Array, from: number): boolean {
    for (let i = from; i < bytes.length; i++) if (bytes[i] !== 0) return false;
    return true;
}

/** Reads frames until the end, a torn last frame, or damage (see the module comment). */
export function scanFrames(bytes: Uint8Array): FrameScan {
    const frames: CborValue[] = [];
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    let at = 0;
    const corrupt = (reason: string): FrameScan => ({ frames, validBytes: at, stop: { kind: 'corrupt', at, index: frames.length, reason } });
    const torn = (): FrameScan => ({ frames, validBytes: at, stop: { kind: 'torn', at } });
    while (at < bytes.length) {
        if (at + FRAME_HEADER_BYTES > bytes.length) return torn();
        const length = view.getUint32(at);
        if (view.getUint32(at + 4) !== headerCheck(length)) return allZero(bytes, at) ? torn() : corrupt('its header does not match its check');
        const end = at + FRAME_HEADER_BYTES + length;
        if (end > bytes.length) return torn();
        const body = bytes.subarray(at + FRAME_HEADER_BYTES, end);
        if (Buffer.compare(digest(body).subarray(0, 8), bytes.subarray(at + 8, at + FRAME_HEADER_BYTES)) !== 0) {
            return allZero(bytes, end) ? torn() : corrupt('its contents do not match their checksum');
        }
        let value: CborValue;
        try {
            value = decodeCbor(body);
        } catch (error) {
            return corrupt(`its contents are not CBOR (${error instanceof Error ? error.message : String(error)})`);
        }
        frames.push(value);
        at = end;
    }
    return { frames, validBytes: at, stop: { kind: 'end' } };
}

/** The last frame of a checkpoint: how many frames come before it, and the SHA-256 of their bytes. */
export function endFrame(before: readonly Uint8Array[]): Uint8Array {
    const h = createHash('sha256');
    for (const chunk of before) h.update(chunk);
    return frame({ end: { frames: before.length, sha256: new Uint8Array(h.digest()) } });
}

/**
 * The frames of a complete checkpoint (without its end frame).
 * @returns the frames, or the reason the bytes are not a complete checkpoint.
 */
export function readCheckpoint(bytes: Uint8Array): { frames: CborValue[] } | { problem: string } {
    const scan = scanFrames(bytes);
    if (scan.stop.kind === 'torn') return { problem: `it is cut short at byte ${scan.stop.at} of ${bytes.length}` };
    if (scan.stop.kind === 'corrupt') return { problem: `its frame ${scan.stop.index} (at byte ${scan.stop.at}) is damaged: ${scan.stop.reason}` };
    const last = scan.frames[scan.frames.length - 1];
    const end = last instanceof Map ? last.get('end') : undefined;
    if (!(end instanceof Map)) return { problem: 'it has no end frame (frames are missing at its end)' };
    const count = end.get('frames');
    const sha = end.get('sha256');
    const frames = scan.frames.slice(0, -1);
    if ((typeof count !== 'number' && typeof count !== 'bigint') || BigInt(count) !== BigInt(frames.length)) {
        return { problem: `its end frame counts ${String(count)} frames, but ${frames.length} precede it` };
    }
    const lastStart = lastFrameStart(bytes, frames.length);
    const actual = digest(bytes.subarray(0, lastStart));
    if (!(sha instanceof Uint8Array) || Buffer.compare(actual, sha) !== 0) return { problem: 'its end frame does not match the digest of the frames before it' };
    return { frames };
}

/** Byte offset of frame number `index` (the frames before it are known to be well formed). */
function lastFrameStart(bytes: Uint8Array, index: number): number {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    let at = 0;
    for (let i = 0; i < index; i++) at += FRAME_HEADER_BYTES + view.getUint32(at);
    return at;
}
