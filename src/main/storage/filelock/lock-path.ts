/**
 * The lock side (docs/filelock-format.md "Lock and unlock on disk", steps 1–8). Guarantees:
 *
 * - Never loses data. Lock: journal entry (fsynced) → temp file `.<id>.fvlock.partial` in the same folder
 *   (O_EXCL, 0600) → streamed encryption → every chunk read back and decrypted (tag-checked) → fsync →
 *   the source is checked unchanged → rename to `<id>.fvlock` → fsync folder → original removed → fsync →
 *   journal entry removed. A SIGKILL or crash at any point leaves the original intact, or the complete
 *   container; `recoverJournal` (journal.ts) finishes or rolls back what the journal entry describes.
 * - Bounded memory: two plaintext and three ciphertext chunk buffers (1 MiB each by default) whatever the
 *   file size; folders are listed (metadata only) up front.
 * - Keys: the random file key is wiped after use; the vault-derived wrap key belongs to the caller.
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
import { startVerifier, type ChunkVerifier } from './verify-worker-host.ts';
import { GC_EVERY_BYTES, youngGc } from './v8-young-gc.ts';

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
      (o.verify ?? 'thread') === 'thread'
        ? startVerifier({ path: temp, key: fileKey, nonceBase: header.nonceBase, ad, chunkSize })
        : null;
    fileKey.fill(0);
    await writeAll(fh, header.bytes, 0);
    await encryptStream(fh, aead, header, source, o, step, verifier);
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
    await source.close();
    await verifier?.terminate();
  }
}

/**
 * The lock pipeline: while chunk i is sealed on this thread, chunk i+1 is being read and chunk i-1
 * written and read back by libuv's thread pool; each written chunk is re-read from the file and opened
 * (decrypt-check) before the file may be renamed into place.
 */
async function encryptStream(
  fh: FileHandle,
  aead: StreamAead,
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
  const plain = [new Uint8Array(cs), new Uint8Array(cs)];
  const SLOTS = 3;
  const sealed = Array.from({ length: SLOTS }, () => new Uint8Array(cs + TAG_BYTES));
  const pending: Array<Promise<void> | null> = Array.from({ length: SLOTS }, () => null);
  const verifyBuf = new Uint8Array(cs + TAG_BYTES);
  const verifyOut = new Uint8Array(cs);
  let verifyChain: Promise<void> = Promise.resolve();
  let verified = 0;
  // The first failure of any background write or read-back; the promises themselves never reject.
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
  let fill: Promise<void> = source.fill(plain[0]!, lenOf(0));
  let encrypted = 0;
  const gc = youngGc();
  let sinceGc = 0;
  try {
    for (let i = 0; i < n; i++) {
      checkAbort(o.signal);
      if (failure.first) throw failure.first;
      const len = lenOf(i);
      await fill;
      const cur = plain[i % 2]!.subarray(0, len);
      if (i + 1 < n) {
        fill = source.fill(plain[(i + 1) % 2]!, lenOf(i + 1));
        fill.catch(() => {}); // awaited next round; marked handled so a failure while we wait is not fatal
      }
      const slot = i % SLOTS;
      if (pending[slot]) await pending[slot];
      const out = sealed[slot]!.subarray(0, len + TAG_BYTES);
      aead.seal(i, i === n - 1, cur, out);
      cur.fill(0);
      pending[slot] = writeAll(fh, out, posOf(i))
        .then(() => {
          step('chunk-written', i);
          verify(i);
        })
        .catch(note);
      encrypted += len;
      sinceGc += len;
      if (sinceGc >= GC_EVERY_BYTES) {
        gc();
        sinceGc = 0;
      }
      o.onProgress?.({ done: encrypted, total: h.streamLength, phase: 'encrypting' });
    }
    await Promise.all(pending.filter((p): p is Promise<void> => p !== null));
    await verifyChain;
    if (failure.first) throw failure.first;
    if (thread) verified = await thread.finish();
    if (verified !== h.streamLength)
      throw new FileLockError('FILELOCK_IO', 'verification did not cover the whole file');
  } catch (e) {
    // Let in-flight reads and writes settle before the caller closes and removes the temp file.
    await Promise.allSettled([...pending.filter((p): p is Promise<void> => p !== null), fill, verifyChain]);
    throw e;
  } finally {
    for (const b of plain) b.fill(0);
    verifyOut.fill(0);
  }
}

async function removeSource(tree: SourceTree): Promise<void> {
  await rm(tree.abs, { recursive: tree.kind === 'folder', force: true });
  await fsyncDir(tree.dir);
}
