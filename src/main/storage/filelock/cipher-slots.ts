/**
 * The shared chunk slots of the file-lock cipher pool (cipher-pool-worker-host.ts, filelock-cipher-worker.ts):
 * one SharedArrayBuffer of `slots` slots, each a plaintext region of `chunkSize` bytes followed by a sealed
 * region of `chunkSize + 16` (ciphertext ‖ Poly1305 tag). Main fills one region, a worker turns it into the
 * other in place; no chunk is copied between threads. Pure arithmetic, no I/O.
 */
import { TAG_BYTES } from '../../crypto/stream-aead.ts';

export interface SlotViews {
  /** Plaintext of the slot's chunk (lock: read from the source; unlock: the opened chunk). */
  readonly plain: Uint8Array;
  /** Ciphertext ‖ tag of the slot's chunk (lock: the sealed chunk; unlock: read from the container). */
  readonly sealed: Uint8Array;
}

export const slotStride = (chunkSize: number): number => 2 * chunkSize + TAG_BYTES;

export function slotViews(shared: ArrayBufferLike, chunkSize: number, slot: number): SlotViews {
  const base = slot * slotStride(chunkSize);
  if (!Number.isInteger(slot) || slot < 0 || base + slotStride(chunkSize) > shared.byteLength)
    throw new RangeError('cipher slot out of range');
  return {
    plain: new Uint8Array(shared, base, chunkSize),
    sealed: new Uint8Array(shared, base + chunkSize, chunkSize + TAG_BYTES),
  };
}
