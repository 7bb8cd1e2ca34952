/**
 * The file-lock cipher pool, main side (node:worker_threads adapter; the threads: filelock-cipher-worker.ts).
 * STREAM chunks are independent (stream-aead.ts: nonce_i = base XOR (i, final flag)), so sealing and
 * opening spread over a few threads while main keeps every read, write, read-back and fsync in order.
 *
 * Guarantees:
 * - Bounded memory: exactly `slots` chunks in flight, in one SharedArrayBuffer of `slots` × (2 × chunk + 16)
 *   bytes (cipher-slots.ts); a slot is given a new chunk only after its previous one was fully used.
 * - Plaintext: the lock's slots hold source plaintext, the unlock's opened chunks come back as buffers the
 *   caller wipes; `close()` zero-fills every slot (slots are reused chunk after chunk, not wiped each time:
 *   a zero-fill of shared memory costs V8 as much as the cipher).
 * - Key material: each thread gets its own copy of the file key in a fresh ArrayBuffer that is
 *   *transferred* (moved, not cloned: no copy is left on this thread or in a serialisation buffer); the
 *   thread wipes it once its StreamAead holds the subkey and wipes the subkey on close. `close()` asks every
 *   thread to wipe and waits for it (bounded), then terminates them and zero-fills every slot (the shared
 *   plaintext regions included). The caller wipes its own key.
 * - A thread that crashes, exits or cannot start fails every pending and later job with
 *   FILELOCK_WORKER_FAILED; a chunk that does not authenticate fails with the caller's `onAuthFailure`.
 *   Nothing is retried or skipped: the lock or unlock that owns the pool fails and rolls back.
 */
import { Worker } from 'node:worker_threads';
import type { AuthFailure } from '../../crypto/stream-aead.ts';
import { FileLockError } from '../../filelock/errors.ts';
import { slotStride, slotViews, type SlotViews } from './cipher-slots.ts';
import type { CipherReply, CipherRequest } from './filelock-cipher-worker.ts';

/** Source: the .ts beside this file (Node strips types); built app: out/main/filelock-cipher-worker.js. */
export function cipherWorkerEntry(): URL {
  const fromSource = import.meta.url.endsWith('.ts');
  return new URL(fromSource ? './filelock-cipher-worker.ts' : './filelock-cipher-worker.js', import.meta.url);
}

/** How long close() waits for a thread to confirm it wiped its key before terminating it anyway. */
const CLOSE_WAIT_MS = 2000;

export interface CipherPool {
  readonly slots: number;
  readonly threads: number;
  view(slot: number): SlotViews;
  /** Seals the slot's plaintext (first `len` bytes) as chunk `index`: its ciphertext and tag. */
  seal(slot: number, index: number, final: boolean, len: number): Promise<Sealed>;
  /** Opens the slot's sealed region (len + 16 bytes) as chunk `index`: its plaintext, the caller's to wipe. */
  open(slot: number, index: number, final: boolean, len: number): Promise<Uint8Array>;
  /** Wipes and stops every thread, zero-fills the slots. Idempotent; never rejects. */
  close(): Promise<void>;
}

export interface CipherPoolOptions {
  readonly threads: number;
  readonly slots: number;
  readonly chunkSize: number;
  readonly key: Uint8Array;
  readonly nonceBase: Uint8Array;
  readonly ad: Uint8Array;
  readonly onAuthFailure: AuthFailure;
  /** The thread's script; tests pass a fault-injecting wrapper. */
  readonly entry?: URL;
}

export interface Sealed {
  readonly ciphertext: Uint8Array;
  readonly tag: Uint8Array;
}

interface Job {
  readonly index: number;
  readonly worker: number;
  readonly resolve: (r: Sealed | Uint8Array) => void;
  readonly reject: (e: unknown) => void;
}

const workerFailed = (what: string, cause?: unknown) =>
  new FileLockError(
    'FILELOCK_WORKER_FAILED',
    `a cipher thread ${what}; nothing was changed — try again`,
    cause === undefined ? undefined : { cause },
  );

/** Starts `threads` cipher threads and resolves once every one holds the key (or rejects, all stopped). */
export async function startCipherPool(o: CipherPoolOptions): Promise<CipherPool> {
  if (!Number.isInteger(o.threads) || o.threads < 1 || o.threads > 64) throw new RangeError('threads');
  if (!Number.isInteger(o.slots) || o.slots < 1 || o.slots > 256) throw new RangeError('slots');
  if (o.key.length !== 32) throw new RangeError('key');
  const shared = new SharedArrayBuffer(o.slots * slotStride(o.chunkSize));
  const views = Array.from({ length: o.slots }, (_, s) => slotViews(shared, o.chunkSize, s));
  const jobs = new Map<number, Job>();
  const load = new Array<number>(o.threads).fill(0);
  let failure: FileLockError | null = null;
  let closing = false;
  const readies: Array<Promise<void>> = [];
  const closes: Array<Promise<void>> = [];
  const workers: Worker[] = [];

  const fail = (e: FileLockError) => {
    failure ??= e;
    for (const [slot, j] of jobs) {
      jobs.delete(slot);
      j.reject(failure);
    }
  };

  for (let w = 0; w < o.threads; w++) {
    // Not the parent's flags (an --eval / --input-type parent would make the thread fail to load its file).
    const worker = new Worker(o.entry ?? cipherWorkerEntry(), {
      execArgv: process.execArgv.filter((a) => !a.startsWith('--input-type') && a !== '-e' && a !== '--eval'),
    });
    workers.push(worker);
    let ready!: () => void;
    let closed!: () => void;
    const readyP = new Promise<void>((res, rej) => {
      ready = res;
      worker.once('exit', () => rej(failure ?? workerFailed('stopped before it started')));
    });
    readyP.catch(() => {});
    readies.push(readyP);
    closes.push(new Promise<void>((res) => (closed = res)));
    worker.on('message', (m: CipherReply) => {
      switch (m.kind) {
        case 'ready':
          ready();
          return;
        case 'closed':
          closed();
          return;
        case 'sealed':
        case 'opened':
        case 'auth-failed':
        case 'failed': {
          const j = jobs.get(m.slot);
          if (!j) {
            if (m.kind === 'opened') m.plaintext.fill(0);
            return;
          }
          jobs.delete(m.slot);
          load[j.worker] = (load[j.worker] ?? 1) - 1;
          if (m.kind === 'sealed') j.resolve({ ciphertext: m.ciphertext, tag: m.tag });
          else if (m.kind === 'opened') j.resolve(m.plaintext);
          else if (m.kind === 'auth-failed') j.reject(o.onAuthFailure(j.index, null));
          else j.reject(workerFailed(`could not process chunk ${j.index} (${m.message})`));
          return;
        }
      }
    });
    worker.on('error', (e) => fail(workerFailed('crashed', e)));
    worker.on('messageerror', (e) => fail(workerFailed('sent a message that could not be read', e)));
    worker.on('exit', (code) => {
      closed();
      if (!closing) fail(workerFailed(`stopped (exit code ${code})`));
    });
    // The key moves to the thread: `k` is detached here after postMessage (transfer, not structured clone).
    const k = new Uint8Array(32);
    k.set(o.key);
    worker.postMessage(
      {
        kind: 'init',
        key: k,
        nonceBase: o.nonceBase,
        ad: o.ad,
        shared,
        chunkSize: o.chunkSize,
      } satisfies CipherRequest,
      [k.buffer],
    );
  }

  const close = async (): Promise<void> => {
    if (closing) return;
    closing = true;
    for (const w of workers) {
      try {
        w.postMessage({ kind: 'close' } satisfies CipherRequest);
      } catch {
        /* already gone */
      }
    }
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all(closes),
      new Promise<void>((res) => (timer = setTimeout(res, CLOSE_WAIT_MS))),
    ]);
    clearTimeout(timer);
    await Promise.all(workers.map((w) => w.terminate().catch(() => 0)));
    wipeShared(shared);
    fail(workerFailed('was stopped'));
  };

  const run = (kind: 'seal' | 'open', slot: number, index: number, final: boolean, len: number) =>
    new Promise<Sealed | Uint8Array>((resolve, reject) => {
      if (failure) return reject(failure);
      if (closing) return reject(workerFailed('was stopped'));
      if (jobs.has(slot)) return reject(new RangeError(`cipher slot ${slot} is busy`));
      // The least busy thread (ties: the lowest), so a thread the OS runs less gets fewer chunks.
      let w = 0;
      for (let i = 1; i < load.length; i++) if ((load[i] ?? 0) < (load[w] ?? 0)) w = i;
      load[w] = (load[w] ?? 0) + 1;
      jobs.set(slot, { index, worker: w, resolve, reject });
      workers[w]!.postMessage({ kind, slot, index, final, len } satisfies CipherRequest);
    });

  try {
    await Promise.all(readies);
  } catch (e) {
    await close();
    throw e;
  }
  return {
    slots: o.slots,
    threads: o.threads,
    view: (slot) => {
      const v = views[slot];
      if (!v) throw new RangeError('cipher slot out of range');
      return v;
    },
    seal: (slot, index, final, len) => run('seal', slot, index, final, len) as Promise<Sealed>,
    open: (slot, index, final, len) => run('open', slot, index, final, len) as Promise<Uint8Array>,
    close,
  };
}

/**
 * Zero-fills shared memory. TypedArray#fill on a SharedArrayBuffer takes V8's per-element path (≈ 1.3 ms
 * per MiB here, as slow as the cipher); copying from a zeroed ordinary buffer is ≈ 8× faster.
 */
export function wipeShared(shared: SharedArrayBuffer): void {
  const zeros = new Uint8Array(Math.min(shared.byteLength, 1 << 20));
  const v = new Uint8Array(shared);
  for (let off = 0; off < v.length; off += zeros.length)
    v.set(zeros.subarray(0, Math.min(zeros.length, v.length - off)), off);
}
