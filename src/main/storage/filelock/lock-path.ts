/**
 * The lock side (docs/filelock-format.md "Lock and unlock on disk", steps 1–8). Guarantees:
 *
 * - Never loses data. Lock: journal entry (fsynced) → temp file `.<id>.fvlock.partial` in the same folder
 *   (O_EXCL, 0600) → streamed encryption → every chunk read back from the file and checked (see
 *   `EngineOptions.verify`: by default compared byte for byte with what the cipher produced, the first and
 *   last chunk also opened; or a full decrypt-check) → fsync → the source is checked unchanged → rename to
 *   `<id>.fvlock` → fsync folder → original removed → fsync → journal entry removed. A SIGKILL or crash
 *   at any point leaves the original intact, or the complete container; `recoverJournal` (journal.ts)
 *   finishes or rolls back what the journal entry describes.
 * - Throughput: chunks are sealed on the cipher pool's threads (chunk-cipher.ts, cipher-pool-worker-host.ts;
 *   STREAM chunks are independent) while this thread reads the source in order, writes each sealed chunk
 *   in order, reads it back and compares it, with a background datasync every WRITEBACK_BYTES; so the
 *   final fsync has little left to flush (docs/filelock-format.md "Throughput: the cipher pool").
 * - Bounded memory: SLOTS chunks in flight (a shared plaintext slot, the sealed chunk, its read-back
 *   buffer: 1 MiB each by default) whatever the file size; folders are listed (metadata only) up front.
 * - Keys: the random file key is wiped as soon as the cipher threads (and the optional verification
 *   thread) hold their copies; theirs are wiped when the stream is done (cipher-pool-worker-host.ts); the
 *   vault-derived wrap key belongs to the caller.
 * - A cipher thread that dies fails the lock with FILELOCK_WORKER_FAILED before anything is renamed: the
 *   temp file and the journal entry are removed, the original is untouched.
 *
 * Kill points: `onStep` is called at each durable step (tests and the benchmark SIGKILL themselves there).
 */
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { open, rename, rm, type FileHandle } from 'node:fs/promises';
import { StreamAead, TAG_BYTES } from '../../crypto/stream-aead.ts';
import {
  buildHeader,
  chunkCount,
  DEFAULT_CHUNK_BYTES,
  HEADER_BYTES,
  streamAd,
  type ContainerHeader,
} from '../../filelock/container-format.ts';
import { FileLockError, fromOsError } from '../../filelock/errors.ts';
import { fsyncDir, removeDurable } from './durable.ts';
import {
  checkAbort,
  containerPathFor,
  integrityFailure,
  newItemId,
  tempPathFor,
  type EngineOptions,
  type LockResult,
  type LockStep,
} from './engine-common.ts';
import { exists, readExactly, writeAll } from './engine-io.ts';
import { journalFile, writeJournal } from './journal.ts';
import { PayloadSource, payloadFor } from './payload-source.ts';
import { readSourceTree, unchanged, type SourceTree } from './source-tree.ts';
import { defaultThreads, startChunkCipher, type ChunkCipher } from './chunk-cipher.ts';
import { startVerifier, type ChunkVerifier } from './verify-worker-host.ts';
import { GC_EVERY_BYTES, youngGc } from './v8-young-gc.ts';

/** Chunks in flight (read, being sealed, written, read back): the pipeline's whole buffer budget. */
const SLOTS = 8;
/** A background datasync after this many bytes written (docs/filelock-format.md "Throughput"). */
const WRITEBACK_BYTES = 32 * 1024 * 1024;

/** Locks `path` (file or folder) into `<folder>/<id>.fvlock`; see the module comment for the steps. */
export async function lockPath(path: string, o: EngineOptions): Promise<LockResult> {
  const tree = await readSourceTree(path, { allowSparse: o.allowSparse ?? false });
  const id = o.id ?? newItemId();
  if (!/^[a-z2-7]{26}$/.test(id)) throw new RangeError('item id');
  const container = containerPathFor(tree.dir, id);
  const temp = tempPathFor(tree.dir, id);
  const step = o.onStep ?? (() => {});
  if (await exists(container))
    throw new FileLockError('FILELOCK_TARGET_EXISTS', `${container} already exists`);

  const { segments, length } = payloadFor(tree, Date.now());
  const chunkSize = o.chunkSize ?? DEFAULT_CHUNK_BYTES;
  const fileKey = new Uint8Array(randomBytes(32));
  const header = buildHeader({
    chunkSize,
    streamLength: length,
    vaultKeyId: o.keys.vaultKeyId,
    wrapKey: o.keys.wrapKey,
    fileKey,
  });
  const ad = streamAd(header);
  const aead = new StreamAead(fileKey, header.nonceBase, ad, 'node', integrityFailure);
  // The cipher threads start while the journal is written; each gets its key copy before this returns.
  const cipherP = startChunkCipher({
    threads: o.cipherThreads ?? defaultThreads(chunkCount(length, chunkSize)),
    slots: SLOTS,
    chunkSize,
    key: fileKey,
    nonceBase: header.nonceBase,
    ad,
    onAuthFailure: integrityFailure,
    workerEntry: o.cipherWorkerEntry,
  });
  cipherP.catch(() => {}); // awaited below; a start failure fails the lock there

  try {
    await writeJournal(o.journalDir, {
      v: 1,
      op: 'lock',
      id,
      source: tree.abs,
      sourceId: tree.rootId,
      kind: tree.kind,
      container,
      temp,
    });
  } catch (e) {
    fileKey.fill(0);
    aead.dispose();
    await cipherP.then(
      (c) => c.close(),
      () => {},
    );
    throw e;
  }
  step('journal-written', 0);
  const source = new PayloadSource(segments);
  let fh = null as FileHandle | null;
  let verifier = null as ChunkVerifier | null;
  let committed = false;
  try {
    try {
      fh = await open(
        temp,
        constants.O_RDWR | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
        0o600,
      );
    } catch (e) {
      throw fromOsError(e, `cannot create the locked file in ${tree.dir}`);
    }
    step('temp-created', 0);
    verifier =
      o.verify === 'thread'
        ? startVerifier({ path: temp, key: fileKey, nonceBase: header.nonceBase, ad, chunkSize })
        : null;
    fileKey.fill(0);
    await writeAll(fh, header.bytes, 0);
    const cipher = await cipherP;
    try {
      await encryptStream(fh, aead, cipher, header, source, o, step, verifier);
    } finally {
      // The threads wipe their keys and stop now (not after the commit); the slots are zero-filled.
      await cipher.close();
    }
    step('verified', 0);
    await fh.sync();
    await fh.close();
    fh = null;
    step('temp-synced', 0);
    if (!(await unchanged(tree))) {
      throw new FileLockError(
        'FILELOCK_SOURCE_CHANGED',
        `${tree.abs} changed while it was being locked; nothing was changed — try again when it is not in use`,
      );
    }
    checkAbort(o.signal);
    await rename(temp, container);
    await fsyncDir(tree.dir);
    committed = true;
    step('renamed', 0);
    await removeSource(tree);
    step('source-removed', 0);
    await removeDurable(journalFile(o.journalDir, id));
    step('journal-removed', 0);
    return {
      id,
      containerPath: container,
      originalPath: tree.abs,
      kind: tree.kind,
      name: tree.name,
      bytes: tree.bytes,
      entries: tree.entries.length,
    };
  } catch (e) {
    if (!committed) {
      await fh?.close().catch(() => {});
      await rm(temp, { force: true }).catch(() => {});
      await removeDurable(journalFile(o.journalDir, id)).catch(() => {});
    }
    throw e instanceof FileLockError ? e : fromOsError(e, `locking ${tree.abs}`);
  } finally {
    fileKey.fill(0);
    aead.dispose();
    await cipherP.then(
      (c) => c.close(),
      () => {},
    );
    await source.close();
    await verifier?.terminate();
  }
}

/**
 * The lock pipeline over `SLOTS` chunk slots: chunk i is read from the source into its slot (reads in
 * order, one at a time), sealed there (by the cipher pool's threads, or inline), written at its position
 * (writes in order, one at a time), then read back and checked; only then is the slot reused. So at most
 * SLOTS chunks are in flight whatever the file size, and this thread only schedules I/O.
 */
async function encryptStream(
  fh: FileHandle,
  aead: StreamAead,
  cipher: ChunkCipher,
  h: ContainerHeader,
  source: PayloadSource,
  o: EngineOptions,
  step: (s: LockStep, d: number) => void,
  thread: ChunkVerifier | null,
): Promise<void> {
  const cs = h.chunkSize;
  const n = chunkCount(h.streamLength, cs);
  const lenOf = (i: number) => (i < n - 1 ? cs : h.streamLength - cs * (n - 1));
  const posOf = (i: number) => HEADER_BYTES + i * (cs + TAG_BYTES);
  const slots = cipher.slots;
  const verifyBuf = new Uint8Array(cs + TAG_BYTES);
  const mode = o.verify ?? 'compare';
  // compare: each slot's read-back buffer; the slot's sealed bytes stay until they were compared.
  const back = mode === 'compare' ? Array.from({ length: slots }, () => new Uint8Array(cs + TAG_BYTES)) : [];
  // Each slot's sealed chunk (ciphertext ‖ tag) as written; compare: kept until it was read back.
  const sealedCopy = Array.from({ length: slots }, () => new Uint8Array(cs + TAG_BYTES));
  const verifyOut = new Uint8Array(cs);
  let verifyChain: Promise<void> = Promise.resolve();
  let verified = 0;
  // The first failure of any read, seal, write or read-back; the slot promises themselves never reject.
  const failure: { first: Error | null } = { first: null };
  const note = (e: unknown) => {
    failure.first ??= e instanceof Error ? e : new FileLockError('FILELOCK_IO', 'write failed');
  };
  const readBackFailure = (i: number, cause: unknown) =>
    cause instanceof FileLockError && cause.code !== 'FILELOCK_INTEGRITY'
      ? cause
      : new FileLockError(
          'FILELOCK_IO',
          `the locked file did not read back correctly (chunk ${i}); the original was not changed`,
          { cause },
        );
  const verify = (i: number): void => {
    if (thread) {
      thread.chunk(i, i === n - 1, posOf(i), lenOf(i));
      return;
    }
    verifyChain = verifyChain
      .then(async () => {
        if (failure.first) return;
        const len = lenOf(i);
        const b = verifyBuf.subarray(0, len + TAG_BYTES);
        try {
          await readExactly(fh, b, posOf(i));
          aead.open(i, i === n - 1, b, verifyOut.subarray(0, len));
        } catch (e) {
          throw readBackFailure(i, e);
        }
        verified += len;
      })
      .catch(note);
  };
  /**
   * compare: chunk i is read back from the file and must equal, byte for byte, what the cipher produced;
   * the first and the last chunk are also opened (tag-checked) on this thread with its own key schedule,
   * which proves the key, nonce, associated data and final flag the whole stream was sealed with (a
   * systematic error, in any thread, shows in either of them).
   */
  const compareBack = async (i: number, sealedBytes: Uint8Array, into: Uint8Array): Promise<void> => {
    if (failure.first) return;
    const len = lenOf(i);
    const b = into.subarray(0, len + TAG_BYTES);
    try {
      await readExactly(fh, b, posOf(i));
      if (Buffer.compare(b, sealedBytes) !== 0) throw new Error(`chunk ${i} differs on read-back`);
      if (i === 0 || i === n - 1) aead.open(i, i === n - 1, b, verifyOut.subarray(0, len));
    } catch (e) {
      throw readBackFailure(i, e);
    }
    verified += len;
  };
  // Write-back while sealing: a datasync every WRITEBACK_BYTES (one at a time) so the final fsync only
  // has the last few MiB left to flush instead of the whole file (the disk works while the cipher does).
  let unsynced = 0;
  const bg: { syncing: Promise<void> | null } = { syncing: null };
  const writeback = (len: number) => {
    unsynced += len;
    if (bg.syncing || unsynced < WRITEBACK_BYTES) return;
    unsynced = 0;
    bg.syncing = fh
      .datasync()
      .catch(note)
      .finally(() => {
        bg.syncing = null;
      });
  };
  const free: Array<Promise<void>> = Array.from({ length: slots }, () => Promise.resolve());
  let readChain: Promise<void> = Promise.resolve();
  let writeChain: Promise<void> = Promise.resolve();
  let encrypted = 0;
  const gc = youngGc();
  let sinceGc = 0;
  try {
    for (let i = 0; i < n; i++) {
      const slot = i % slots;
      await free[slot];
      checkAbort(o.signal);
      if (failure.first) throw failure.first;
      const len = lenOf(i);
      const final = i === n - 1;
      const v = cipher.view(slot);
      const filled = (readChain = readChain.then(() => source.fill(v.plain, len)));
      // The cipher's output is copied at once into this slot's own buffer (a heap memcpy, ≈ 0.03 ms/MiB) so
      // the backend's fresh buffer dies young: kept alive until its read-back it would survive scavenges,
      // and every new chunk would then fault in fresh pages (measured: +30–50 % CPU per GiB).
      const out = sealedCopy[slot]!.subarray(0, len + TAG_BYTES);
      const sealed = filled.then(async () => {
        const r = await cipher.seal(slot, i, final, len);
        if (r.ciphertext.length !== len || r.tag.length !== TAG_BYTES)
          throw new RangeError('sealed chunk length');
        out.set(r.ciphertext, 0);
        out.set(r.tag, len);
        encrypted += len;
        o.onProgress?.({ done: encrypted, total: h.streamLength, phase: 'encrypting' });
      });
      const written = (writeChain = Promise.all([writeChain, sealed]).then(() =>
        writeAll(fh, out, posOf(i)),
      ));
      free[slot] = written
        .then(async () => {
          step('chunk-written', i);
          writeback(len);
          if (mode === 'compare') await compareBack(i, out, back[slot]!);
          else verify(i);
        })
        .catch(note);
      sinceGc += len;
      if (sinceGc >= GC_EVERY_BYTES) {
        gc();
        sinceGc = 0;
      }
    }
    await Promise.all(free);
    await bg.syncing;
    await verifyChain;
    if (failure.first) throw failure.first;
    if (thread) verified = await thread.finish();
    if (verified !== h.streamLength)
      throw new FileLockError('FILELOCK_IO', 'verification did not cover the whole file');
  } catch (e) {
    // Let in-flight reads, seals and writes settle before the caller closes and removes the temp file.
    await Promise.allSettled([...free, readChain, writeChain, verifyChain, bg.syncing]);
    throw e;
  } finally {
    verifyOut.fill(0);
  }
}

async function removeSource(tree: SourceTree): Promise<void> {
  await rm(tree.abs, { recursive: tree.kind === 'folder', force: true });
  await fsyncDir(tree.dir);
}
