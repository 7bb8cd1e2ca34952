/**
 * The file-lock cipher pool (src/main/storage/filelock/cipher-pool-worker-host.ts + filelock-cipher-worker.ts):
 * its chunks are byte-identical to the one-thread StreamAead, a chunk that does not authenticate fails with
 * the caller's error, the key sent to a thread is wiped there, and a thread that crashes or exits fails the
 * lock (or unlock) with FILELOCK_WORKER_FAILED leaving the original (or the container) exactly as it was.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BroadcastChannel } from 'node:worker_threads';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StreamAead } from '../../../src/main/crypto/stream-aead.ts';
import { FileLockError } from '../../../src/main/filelock/errors.ts';
import { deriveFileLockKeys } from '../../../src/main/filelock/vault-key.ts';
import {
  CipherThreads,
  startCipherPool,
} from '../../../src/main/storage/filelock/cipher-pool-worker-host.ts';
import { lockPath, unlockContainer } from '../../../src/main/storage/filelock/lock-engine.ts';

const CS = 4096;
const FAULTY = new URL('../../support/faulty-cipher-worker.ts', import.meta.url);
/** The faulty thread reads its fault from the environment it is started with (a copy of ours). */
const faulty = (q: string): URL => {
  process.env.FACEVAULT_TEST_CIPHER_FAULT = q;
  return FAULTY;
};
afterEach(() => {
  delete process.env.FACEVAULT_TEST_CIPHER_FAULT;
});
const sha = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex');
const authError = (i: number) => new FileLockError('FILELOCK_INTEGRITY', `chunk ${i}`);

describe('cipher pool', () => {
  it('seals byte-identically to StreamAead on one thread, and opens what it sealed', async () => {
    const key = new Uint8Array(randomBytes(32));
    const nonceBase = new Uint8Array(randomBytes(24));
    const ad = new Uint8Array(randomBytes(32));
    const ref = new StreamAead(key, nonceBase, ad, 'node', authError);
    const noble = new StreamAead(key, nonceBase, ad, 'noble', authError);
    const pool = await startCipherPool({
      threads: 2,
      slots: 4,
      chunkSize: CS,
      key,
      nonceBase,
      ad,
      onAuthFailure: authError,
    });
    try {
      const lens = [CS, CS, 1, 0, CS - 1, 17, CS, 100];
      for (let i = 0; i < lens.length; i++) {
        const len = lens[i]!;
        const final = i === lens.length - 1;
        const slot = i % pool.slots;
        const plain = new Uint8Array(randomBytes(len));
        pool.view(slot).plain.set(plain);
        const got = await pool.seal(slot, i, final, len);
        const want = ref.seal(i, final, plain);
        expect(Buffer.concat([got.ciphertext, got.tag]).equals(Buffer.from(want))).toBe(true);
        expect(Buffer.from(noble.seal(i, final, plain)).equals(Buffer.from(want))).toBe(true);
        pool.view(slot).sealed.set(want);
        const opened = await pool.open(slot, i, final, len);
        expect(Buffer.from(opened).equals(Buffer.from(plain))).toBe(true);
      }
    } finally {
      await pool.close();
      ref.dispose();
      noble.dispose();
    }
  });

  it('a chunk at the wrong index, with the wrong final flag or one flipped bit fails with the caller’s error', async () => {
    const key = new Uint8Array(randomBytes(32));
    const nonceBase = new Uint8Array(randomBytes(24));
    const ad = new Uint8Array(32);
    const ref = new StreamAead(key, nonceBase, ad, 'node', authError);
    const pool = await startCipherPool({
      threads: 1,
      slots: 2,
      chunkSize: CS,
      key,
      nonceBase,
      ad,
      onAuthFailure: authError,
    });
    try {
      const sealed = ref.seal(3, false, new Uint8Array(randomBytes(CS)));
      const tries: Array<[number, boolean, (b: Uint8Array) => void]> = [
        [4, false, () => {}],
        [3, true, () => {}],
        [3, false, (b) => void (b[100]! ^= 1)],
        [3, false, (b) => void (b[CS + 3]! ^= 0x80)],
      ];
      for (const [index, final, damage] of tries) {
        const b = Uint8Array.from(sealed);
        damage(b);
        pool.view(0).sealed.set(b);
        await expect(pool.open(0, index, final, CS)).rejects.toMatchObject({ code: 'FILELOCK_INTEGRITY' });
      }
      // The pool still works after refusals (they are answers, not crashes).
      pool.view(1).sealed.set(sealed);
      await expect(pool.open(1, 3, false, CS)).resolves.toHaveLength(CS);
    } finally {
      await pool.close();
      ref.dispose();
    }
  });

  it('the key sent to each thread is wiped there once it holds the subkey, and close() zero-fills the slots', async () => {
    const ch = new BroadcastChannel('facevault-cipher-probe');
    const reports: Array<{ keyWiped: boolean; keyLength: number }> = [];
    ch.onmessage = (e) => reports.push((e as { data: { keyWiped: boolean; keyLength: number } }).data);
    const key = new Uint8Array(randomBytes(32));
    const pool = await startCipherPool({
      threads: 2,
      slots: 2,
      chunkSize: CS,
      key,
      nonceBase: new Uint8Array(24),
      ad: new Uint8Array(32),
      onAuthFailure: authError,
      entry: faulty('probe=1'),
    });
    pool.view(0).plain.set(randomBytes(CS));
    await pool.seal(0, 0, false, CS);
    const v = pool.view(0).plain;
    await pool.close();
    await expect.poll(() => reports.length).toBe(2);
    ch.close();
    expect(reports).toEqual([
      { keyWiped: true, keyLength: 32 },
      { keyWiped: true, keyLength: 32 },
    ]);
    expect(v.every((b) => b === 0)).toBe(true);
    // The caller's key is the caller's: the pool copied it, it did not take or wipe it.
    expect(key.some((b) => b !== 0)).toBe(true);
    await expect(pool.seal(0, 1, false, CS)).rejects.toMatchObject({ code: 'FILELOCK_WORKER_FAILED' });
  });
});

describe('warm cipher threads', () => {
  const opts = () => ({
    threads: 1,
    slots: 2,
    chunkSize: CS,
    key: new Uint8Array(randomBytes(32)),
    nonceBase: new Uint8Array(24),
    ad: new Uint8Array(32),
    onAuthFailure: authError,
  });

  it('serve one session after another, and a thread that died is replaced at the next session', async () => {
    const set = new CipherThreads(faulty('fault=exit&at=2'));
    try {
      const a = await set.begin(opts());
      await expect(a.seal(0, 0, false, CS)).resolves.toMatchObject({ tag: expect.any(Uint8Array) });
      // The fault fires right after the thread answered its 2nd request: the 3rd is never answered.
      await expect(a.seal(1, 1, false, CS)).resolves.toMatchObject({ tag: expect.any(Uint8Array) });
      await expect(a.seal(0, 2, false, CS)).rejects.toMatchObject({ code: 'FILELOCK_WORKER_FAILED' });
      await expect(a.seal(1, 3, false, CS)).rejects.toMatchObject({ code: 'FILELOCK_WORKER_FAILED' });
      await a.close();
      await expect.poll(() => set.size).toBe(0);
      delete process.env.FACEVAULT_TEST_CIPHER_FAULT; // the replacement starts without the fault
      for (let round = 0; round < 3; round++) {
        const b = await set.begin(opts());
        for (let i = 0; i < 4; i++) await b.seal(i % 2, i, i === 3, CS);
        await b.close();
        expect(set.size).toBe(1);
      }
    } finally {
      await set.stop();
    }
  });

  it('two sessions at once on the same threads keep their own keys', async () => {
    const set = new CipherThreads();
    try {
      const oa = { ...opts(), threads: 2 };
      const ob = { ...opts(), threads: 2 };
      const [a, b] = await Promise.all([set.begin(oa), set.begin(ob)]);
      const ra = new StreamAead(oa.key, oa.nonceBase, oa.ad, 'node', authError);
      const rb = new StreamAead(ob.key, ob.nonceBase, ob.ad, 'node', authError);
      const plain = new Uint8Array(randomBytes(CS));
      a.view(0).plain.set(plain);
      b.view(0).plain.set(plain);
      const [sa, sb] = await Promise.all([a.seal(0, 0, false, CS), b.seal(0, 0, false, CS)]);
      expect(Buffer.concat([sa.ciphertext, sa.tag]).equals(Buffer.from(ra.seal(0, false, plain)))).toBe(true);
      expect(Buffer.concat([sb.ciphertext, sb.tag]).equals(Buffer.from(rb.seal(0, false, plain)))).toBe(true);
      await Promise.all([a.close(), b.close()]);
      ra.dispose();
      rb.dispose();
    } finally {
      await set.stop();
    }
  });
});

describe('a cipher thread that dies fails the operation cleanly', () => {
  let dir: string;
  let journalDir: string;
  const keys = deriveFileLockKeys(new Uint8Array(randomBytes(32)));
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'fvpool-'));
    journalDir = join(dir, '.journal');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it.each(['fault=throw&at=5', 'fault=exit&at=5', 'fault=throw&at=1', 'fault=exit&at=20'])(
    'lock (%s): FILELOCK_WORKER_FAILED, the original intact, no temp file, no journal entry',
    async (q) => {
      const p = join(dir, 'data.bin');
      writeFileSync(p, randomBytes(40 * CS + 7));
      const before = sha(p);
      const err = await lockPath(p, {
        journalDir,
        keys,
        chunkSize: CS,
        cipherThreads: 2,
        cipherWorkerEntry: faulty(q),
      }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(FileLockError);
      expect(err).toMatchObject({ code: 'FILELOCK_WORKER_FAILED' });
      expect(sha(p)).toBe(before);
      expect(readdirSync(dir).sort()).toEqual(['.journal', 'data.bin']);
      expect(readdirSync(journalDir)).toEqual([]);
      // And the same file locks and unlocks fine afterwards.
      const r = await lockPath(p, { journalDir, keys, chunkSize: CS, cipherThreads: 2 });
      await unlockContainer(r.containerPath, { journalDir, keys, cipherThreads: 2 });
      expect(sha(p)).toBe(before);
    },
  );

  it.each(['fault=throw&at=3', 'fault=exit&at=3'])(
    'unlock (%s): FILELOCK_WORKER_FAILED, the container intact, nothing restored, no staging folder',
    async (q) => {
      const p = join(dir, 'data.bin');
      writeFileSync(p, randomBytes(40 * CS + 7));
      const before = sha(p);
      const r = await lockPath(p, { journalDir, keys, chunkSize: CS, cipherThreads: 0 });
      const locked = sha(r.containerPath);
      const err = await unlockContainer(r.containerPath, {
        journalDir,
        keys,
        cipherThreads: 2,
        cipherWorkerEntry: faulty(q),
      }).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'FILELOCK_WORKER_FAILED' });
      expect(sha(r.containerPath)).toBe(locked);
      expect(existsSync(p)).toBe(false);
      expect(readdirSync(dir).sort()).toEqual(['.journal', `${r.id}.fvlock`]);
      expect(readdirSync(journalDir)).toEqual([]);
      await unlockContainer(r.containerPath, { journalDir, keys, cipherThreads: 2 });
      expect(sha(p)).toBe(before);
    },
  );

  it('containers sealed by the pool and on one thread are interchangeable', async () => {
    for (const [lockT, unlockT] of [
      [2, 0],
      [0, 2],
      [3, 1],
    ] as const) {
      const p = join(dir, 'x.bin');
      writeFileSync(p, randomBytes(30 * CS + 123));
      const before = sha(p);
      const r = await lockPath(p, { journalDir, keys, chunkSize: CS, cipherThreads: lockT });
      await unlockContainer(r.containerPath, { journalDir, keys, cipherThreads: unlockT });
      expect(sha(p)).toBe(before);
      rmSync(p);
    }
  });
});
