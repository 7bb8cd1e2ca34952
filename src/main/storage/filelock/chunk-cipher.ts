/**
 * Where a lock or unlock seals / opens its chunks: on this thread (`inline`) or spread over the cipher pool
 * (cipher-pool-worker-host.ts), behind one slot interface so lock-path.ts and unlock-container.ts have one
 * pipeline. Guarantees: the same StreamAead calls in both (sealDetached / openDetached: byte-identical
 * output, unit-tested); a fixed number of slots (bounded memory); the slots are reused chunk after chunk and
 * zero-filled by `close()`, with the keys.
 *
 * Default (`cipherThreads` unset): the pool when the machine has ≥ 2 logical CPUs and the stream has at
 * least POOL_MIN_CHUNKS chunks (starting threads costs tens of ms: not worth it for small files), with
 * min(available CPUs, MAX_THREADS) threads; otherwise inline.
 */
import { availableParallelism } from 'node:os';
import { StreamAead, TAG_BYTES, type AuthFailure } from '../../crypto/stream-aead.ts';
import { startCipherPool, type CipherPool } from './cipher-pool-worker-host.ts';
import type { SlotViews } from './cipher-slots.ts';

export const POOL_MIN_CHUNKS = 8;
export const MAX_THREADS = 4;

/** The pool's slot interface, also met on this thread (`threads` 0). */
export type ChunkCipher = CipherPool;

export function defaultThreads(chunks: number): number {
  const cpus = availableParallelism();
  return cpus >= 2 && chunks >= POOL_MIN_CHUNKS ? Math.min(cpus, MAX_THREADS) : 0;
}

export async function startChunkCipher(o: {
  readonly threads: number;
  readonly slots: number;
  readonly chunkSize: number;
  readonly key: Uint8Array;
  readonly nonceBase: Uint8Array;
  readonly ad: Uint8Array;
  readonly onAuthFailure: AuthFailure;
  readonly workerEntry?: URL;
}): Promise<ChunkCipher> {
  if (o.threads > 0) {
    const pool = await startCipherPool({ ...o, entry: o.workerEntry });
    return pool;
  }
  return inlineCipher(o);
}

function inlineCipher(o: {
  slots: number;
  chunkSize: number;
  key: Uint8Array;
  nonceBase: Uint8Array;
  ad: Uint8Array;
  onAuthFailure: AuthFailure;
}): ChunkCipher {
  const aead = new StreamAead(o.key, o.nonceBase, o.ad, 'node', o.onAuthFailure);
  const views: SlotViews[] = Array.from({ length: o.slots }, () => ({
    plain: new Uint8Array(o.chunkSize),
    sealed: new Uint8Array(o.chunkSize + TAG_BYTES),
  }));
  const v = (slot: number) => {
    const x = views[slot];
    if (!x) throw new RangeError('cipher slot out of range');
    return x;
  };
  return {
    slots: o.slots,
    threads: 0,
    view: v,
    seal: async (slot, index, final, len) => aead.sealDetached(index, final, v(slot).plain.subarray(0, len)),
    open: async (slot, index, final, len) =>
      aead.openDetached(index, final, v(slot).sealed.subarray(0, len + TAG_BYTES)),
    close: async () => {
      aead.dispose();
      for (const x of views) x.plain.fill(0);
    },
  };
}
