/**
 * The file-lock cipher pool, main side (node:worker_threads adapter; the threads: filelock-cipher-worker.ts).
 * STREAM chunks are independent (stream-aead.ts: nonce_i = base XOR (i, final flag)), so sealing and
 * opening spread over a few threads while main keeps every read, write, read-back and fsync in order.
 *
 * Threads are kept warm between operations (a `CipherThreads` set; the default one is shared by every
 * lock and unlock of this process) because starting a Node thread costs 100–400 ms of CPU on this kind
 * of machine, as much as sealing 100+ MiB; they stop after IDLE_MS without work and never keep the
 * process alive while idle (unref). Each lock or unlock is a *session* (`begin`) with its own key and slots.
 *
 * Guarantees:
 * - Bounded memory: exactly `slots` chunks in flight per session, in one SharedArrayBuffer of
 *   `slots` × (2 × chunk + 16) bytes (cipher-slots.ts); a slot is given a new chunk only after its previous
 *   one was fully used.
 * - Plaintext: the lock's slots hold source plaintext, the unlock's opened chunks come back as buffers
 *   the caller wipes; `close()` zero-fills every slot (slots are reused chunk after chunk, not wiped each
 *   time: a zero-fill of shared memory costs V8 as much as the cipher, see `wipeShared`).
 * - Key material: each thread gets its own copy of the file key in a fresh ArrayBuffer that is
 *   *transferred* (moved, not cloned: no copy is left on this thread or in a serialisation buffer); the
 *   thread wipes it once its StreamAead holds the subkey and wipes the subkey when the session ends.
 *   `close()` ends the session on every thread and waits (bounded) for each to confirm; a thread that does
 *   not confirm is terminated. An idle thread holds no key. The caller wipes its own key.
 * - A thread that crashes, exits or cannot start fails every pending and later job of the sessions it
 *   served with FILELOCK_WORKER_FAILED, and is replaced at the next session; a chunk that does not
 *   authenticate fails with the caller's `onAuthFailure`. Nothing is retried or skipped: the lock or
 *   unlock that owns the session fails and rolls back.
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

/** How long `close()` waits for a thread to confirm it wiped its key before terminating it anyway. */
const CLOSE_WAIT_MS = 2000;
/** Idle threads stop after this long without a session. */
export const IDLE_MS = 20_000;

export interface Sealed {
  readonly ciphertext: Uint8Array;
  readonly tag: Uint8Array;
}

export interface CipherPool {
  readonly slots: number;
  readonly threads: number;
  view(slot: number): SlotViews;
  /** Seals the slot's plaintext (first `len` bytes) as chunk `index`: its ciphertext and tag. */
  seal(slot: number, index: number, final: boolean, len: number): Promise<Sealed>;
  /** Opens the slot's sealed region (len + 16 bytes) as chunk `index`: its plaintext, the caller's to wipe. */
  open(slot: number, index: number, final: boolean, len: number): Promise<Uint8Array>;
  /** Ends the session on every thread (keys wiped), zero-fills the slots. Idempotent; never rejects. */
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
  /** The thread's script; tests pass a fault-injecting wrapper (its threads are not shared). */
  readonly entry?: URL;
}

const workerFailed = (what: string, cause?: unknown) =>
  new FileLockError(
    'FILELOCK_WORKER_FAILED',
    `a cipher thread ${what}; nothing was changed — try again`,
    cause === undefined ? undefined : { cause },
  );

interface Job {
  readonly index: number;
  readonly thread: Thread;
  readonly resolve: (r: Sealed | Uint8Array) => void;
  readonly reject: (e: unknown) => void;
}

interface SessionState {
  readonly id: number;
  readonly threads: readonly Thread[];
  readonly jobs: Map<number, Job>;
  readonly onAuthFailure: AuthFailure;
  failure: FileLockError | null;
  readonly ready: Map<Thread, () => void>;
  readonly ended: Map<Thread, () => void>;
}

interface Thread {
  readonly worker: Worker;
  /** Resolves once the thread's script has loaded (its first message can be handled). */
  load: number;
  dead: FileLockError | null;
  readonly sessions: Set<SessionState>;
}

/** A set of cipher threads running one script, shared by the sessions that use it. */
export class CipherThreads {
  readonly #entry: URL;
  readonly #threads: Thread[] = [];
  readonly #sessions = new Map<number, SessionState>();
  #nextSession = 1;
  #idle: NodeJS.Timeout | null = null;

  constructor(entry: URL = cipherWorkerEntry()) {
    this.#entry = entry;
  }

  /** Threads alive now (for tests and the benchmark). */
  get size(): number {
    return this.#threads.length;
  }

  /** Stops every thread now (sessions still open fail). */
  async stop(): Promise<void> {
    if (this.#idle) clearTimeout(this.#idle);
    this.#idle = null;
    const all = this.#threads.splice(0);
    await Promise.all(all.map((t) => t.worker.terminate().catch(() => 0)));
  }

  #spawn(): Thread {
    // Not the parent's flags (an --eval / --input-type parent would make the thread fail to load its file).
    const worker = new Worker(this.#entry, {
      execArgv: process.execArgv.filter((a) => !a.startsWith('--input-type') && a !== '-e' && a !== '--eval'),
    });
    const t: Thread = { worker, load: 0, dead: null, sessions: new Set() };
    const die = (e: FileLockError) => {
      if (t.dead) return;
      t.dead = e;
      const i = this.#threads.indexOf(t);
      if (i >= 0) this.#threads.splice(i, 1);
      for (const s of t.sessions) this.#fail(s, e);
    };
    worker.on('message', (m: CipherReply) => this.#onReply(t, m));
    worker.on('error', (e) => die(workerFailed('crashed', e)));
    worker.on('messageerror', (e) => die(workerFailed('sent a message that could not be read', e)));
    worker.on('exit', (code) => die(workerFailed(`stopped (exit code ${code})`)));
    this.#threads.push(t);
    return t;
  }

  #fail(s: SessionState, e: FileLockError): void {
    s.failure ??= e;
    for (const [slot, j] of s.jobs) {
      s.jobs.delete(slot);
      j.reject(s.failure);
    }
    for (const r of s.ready.values()) r(); // begin() sees s.failure
    s.ready.clear();
    for (const r of s.ended.values()) r();
    s.ended.clear();
  }

  #onReply(t: Thread, m: CipherReply): void {
    const s = this.#sessions.get(m.session);
    if (!s) {
      if (m.kind === 'opened') m.plaintext.fill(0);
      return;
    }
    switch (m.kind) {
      case 'ready':
        s.ready.get(t)?.();
        s.ready.delete(t);
        return;
      case 'ended':
        s.ended.get(t)?.();
        s.ended.delete(t);
        return;
      case 'sealed':
      case 'opened':
      case 'auth-failed':
      case 'failed': {
        const j = s.jobs.get(m.slot);
        if (!j) {
          if (m.kind === 'opened') m.plaintext.fill(0);
          return;
        }
        s.jobs.delete(m.slot);
        j.thread.load--;
        if (m.kind === 'sealed') j.resolve({ ciphertext: m.ciphertext, tag: m.tag });
        else if (m.kind === 'opened') j.resolve(m.plaintext);
        else if (m.kind === 'auth-failed') j.reject(s.onAuthFailure(j.index, null));
        else j.reject(workerFailed(`could not process chunk ${j.index} (${m.message})`));
        return;
      }
    }
  }

  #busy(): void {
    if (this.#idle) clearTimeout(this.#idle);
    this.#idle = null;
    for (const t of this.#threads) t.worker.ref();
  }

  #maybeIdle(): void {
    if (this.#sessions.size > 0) return;
    for (const t of this.#threads) t.worker.unref();
    this.#idle = setTimeout(() => void this.stop(), IDLE_MS);
    this.#idle.unref();
  }

  /** Starts a session on `threads` threads (started or replaced as needed); resolves once each holds the key. */
  async begin(o: Omit<CipherPoolOptions, 'entry'>): Promise<CipherPool> {
    if (!Number.isInteger(o.threads) || o.threads < 1 || o.threads > 64) throw new RangeError('threads');
    if (!Number.isInteger(o.slots) || o.slots < 1 || o.slots > 256) throw new RangeError('slots');
    if (!Number.isInteger(o.chunkSize) || o.chunkSize < 1) throw new RangeError('chunk size');
    if (o.key.length !== 32) throw new RangeError('key');
    this.#busy();
    while (this.#threads.length < o.threads) this.#spawn();
    const threads = this.#threads.slice(0, o.threads);
    const shared = new SharedArrayBuffer(o.slots * slotStride(o.chunkSize));
    const views = Array.from({ length: o.slots }, (_, i) => slotViews(shared, o.chunkSize, i));
    const s: SessionState = {
      id: this.#nextSession++,
      threads,
      jobs: new Map(),
      onAuthFailure: o.onAuthFailure,
      failure: null,
      ready: new Map(),
      ended: new Map(),
    };
    this.#sessions.set(s.id, s);
    const readies: Array<Promise<void>> = [];
    for (const t of threads) {
      t.sessions.add(s);
      readies.push(new Promise<void>((res) => s.ready.set(t, res)));
      // The key moves to the thread: `k` is detached here by the transfer (not a structured clone).
      const k = new Uint8Array(32);
      k.set(o.key);
      t.worker.postMessage(
        {
          kind: 'begin',
          session: s.id,
          key: k,
          nonceBase: o.nonceBase,
          ad: o.ad,
          shared,
          chunkSize: o.chunkSize,
        } satisfies CipherRequest,
        [k.buffer],
      );
    }

    let closed = false;
    const close = async (): Promise<void> => {
      if (closed) return;
      closed = true;
      const ends: Array<Promise<void>> = [];
      for (const t of threads) {
        if (t.dead) continue;
        ends.push(new Promise<void>((res) => s.ended.set(t, res)));
        t.worker.postMessage({ kind: 'end', session: s.id } satisfies CipherRequest);
      }
      let timer: NodeJS.Timeout | undefined;
      const timedOut = await Promise.race([
        Promise.all(ends).then(() => false),
        new Promise<boolean>((res) => (timer = setTimeout(() => res(true), CLOSE_WAIT_MS))),
      ]);
      clearTimeout(timer);
      // A thread that did not confirm it wiped the key is not trusted with the next session.
      if (timedOut) for (const t of threads) if (s.ended.has(t)) void t.worker.terminate();
      this.#fail(s, workerFailed('session was closed'));
      for (const t of threads) t.sessions.delete(s);
      this.#sessions.delete(s.id);
      wipeShared(shared);
      this.#maybeIdle();
    };

    const run = (kind: 'seal' | 'open', slot: number, index: number, final: boolean, len: number) =>
      new Promise<Sealed | Uint8Array>((resolve, reject) => {
        if (s.failure) return reject(s.failure);
        if (s.jobs.has(slot)) return reject(new RangeError(`cipher slot ${slot} is busy`));
        // The least busy thread, so a thread the OS runs less gets fewer chunks.
        let t = threads[0]!;
        for (const u of threads) if (u.load < t.load) t = u;
        t.load++;
        s.jobs.set(slot, { index, thread: t, resolve, reject });
        t.worker.postMessage({ kind, session: s.id, slot, index, final, len } satisfies CipherRequest);
      });

    await Promise.all(readies);
    if (s.failure) {
      const e = s.failure;
      await close();
      throw e;
    }
    return {
      slots: o.slots,
      threads: threads.length,
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
}

let shared: CipherThreads | null = null;
/** The process's cipher threads (the default script). */
export function sharedCipherThreads(): CipherThreads {
  shared ??= new CipherThreads();
  return shared;
}

/**
 * A session on the shared threads — or, with `entry` (tests), on threads of their own that stop when the
 * session closes.
 */
export async function startCipherPool(o: CipherPoolOptions): Promise<CipherPool> {
  if (!o.entry) return sharedCipherThreads().begin(o);
  const own = new CipherThreads(o.entry);
  try {
    const pool = await own.begin(o);
    return {
      ...pool,
      close: async () => {
        await pool.close();
        await own.stop();
      },
    };
  } catch (e) {
    await own.stop();
    throw e;
  }
}

/**
 * Zero-fills shared memory. TypedArray#fill on a SharedArrayBuffer takes V8's per-element path (≈ 1.3 ms
 * per MiB here, as slow as the cipher); copying from a zeroed ordinary buffer is ≈ 8× faster.
 */
export function wipeShared(buf: SharedArrayBuffer): void {
  const zeros = new Uint8Array(Math.min(buf.byteLength, 1 << 20));
  const v = new Uint8Array(buf);
  for (let off = 0; off < v.length; off += zeros.length)
    v.set(zeros.subarray(0, Math.min(zeros.length, v.length - off)), off);
}
