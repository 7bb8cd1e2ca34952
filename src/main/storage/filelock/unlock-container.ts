/**
 * The unlock side (docs/filelock-format.md "Lock and unlock on disk", Unlock). Guarantees:
 *
 * - Never loses data, never overwrites: the target name is checked free before anything is written and
 *   again before placing (FILELOCK_TARGET_EXISTS); extraction goes into a private staging folder
 *   `.<id>.restore/` under a journal entry (`extracting`, then `placing`); the container is removed only
 *   after the restored original is renamed into place and the folder fsynced. A SIGKILL or crash at any
 *   point leaves the container intact, or the complete original (`recoverJournal`, journal.ts).
 * - A tampered, truncated or extended container is refused with a typed error and never modified: its
 *   length is checked against the header first, every chunk's tag before its bytes are used, padding must
 *   be zero, and the half-restored staging folder is removed.
 * - Bounded memory: SLOTS chunks in flight (read, being opened by the cipher pool's threads or inline,
 *   written out) whatever the file size; each opened chunk's plaintext is wiped once written (or, after a
 *   failure, unused), the slots when the cipher closes.
 * - Restored files: created O_EXCL | O_NOFOLLOW 0600, fsynced, then given their stored mode and mtime;
 *   folders' modes last, deepest first, the root's after it is placed.
 */
import { constants } from 'node:fs';
import { mkdir, open, rename, rm, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { StreamAead, TAG_BYTES } from '../../crypto/stream-aead.ts';
import {
  chunkCount,
  CONTAINER_SUFFIX,
  decodeMeta,
  HEADER_BYTES,
  streamAd,
  unwrapFileKey,
} from '../../filelock/container-format.ts';
import { FileLockError, fromOsError } from '../../filelock/errors.ts';
import { EntryParser, type ArchiveEvent } from '../../filelock/tree-archive.ts';
import { inspectContainer } from './container-read.ts';
import { fsyncDir, removeDurable } from './durable.ts';
import {
  checkAbort,
  integrityFailure,
  ITEM_ID_RE,
  newItemId,
  stagingPathFor,
  type EngineOptions,
  type UnlockResult,
} from './engine-common.ts';
import { exists, readExactly, removeTree, writeAll } from './engine-io.ts';
import { journalFile, writeJournal } from './journal.ts';
import { GC_EVERY_BYTES, youngGc } from './v8-young-gc.ts';
import { defaultThreads, startChunkCipher } from './chunk-cipher.ts';

/** Chunks in flight (read, being opened, written out). */
const SLOTS = 8;

/**
 * Restores a container next to itself under its original name, then removes the container. Refuses
 * (FILELOCK_TARGET_EXISTS) when something already has that name: nothing is ever overwritten.
 */
export async function unlockContainer(path: string, o: EngineOptions): Promise<UnlockResult> {
  const c = await inspectContainer(path);
  const dir = dirname(c.path);
  const fileKey = unwrapFileKey(c.header, o.keys.wrapKey, o.keys.vaultKeyId);
  const aead = new StreamAead(fileKey, c.header.nonceBase, streamAd(c.header), 'node', integrityFailure);
  const step = o.onStep ?? (() => {});
  const id =
    basename(c.path).endsWith(CONTAINER_SUFFIX) &&
    ITEM_ID_RE.test(basename(c.path).slice(0, -CONTAINER_SUFFIX.length))
      ? basename(c.path).slice(0, -CONTAINER_SUFFIX.length)
      : newItemId();
  const staging = stagingPathFor(dir, id);
  let fh: FileHandle | null = null;
  let journaled = false;
  let sinkRef: ExtractSink | null = null;
  try {
    fh = await open(c.path, constants.O_RDONLY | constants.O_NOFOLLOW);
    const h = c.header;
    const cs = h.chunkSize;
    const n = chunkCount(h.streamLength, cs);
    const lenOf = (i: number) => (i < n - 1 ? cs : h.streamLength - cs * (n - 1));
    const posOf = (i: number) => HEADER_BYTES + i * (cs + TAG_BYTES);
    const first = new Uint8Array(lenOf(0) + TAG_BYTES);
    const outs = [new Uint8Array(lenOf(0))];
    const out = outs[0]!;
    // Chunk 0 first: the meta record says the name, so the target can be checked before writing anything.
    await readExactly(fh, first, posOf(0));
    aead.open(0, n === 1, first, out);
    const { meta, length: metaLen } = decodeMeta(out.subarray(0, lenOf(0)));
    const target = join(dir, meta.name);
    if (meta.name.includes('/') || meta.name === '.' || meta.name === '..')
      throw new FileLockError('FILELOCK_MALFORMED', 'the stored name is not a single file name');
    if (await exists(target)) {
      throw new FileLockError(
        'FILELOCK_TARGET_EXISTS',
        `${target} already exists: move or rename it, then unlock again (nothing is ever overwritten)`,
      );
    }
    await writeJournal(o.journalDir, {
      v: 1,
      op: 'unlock',
      id,
      container: c.path,
      staging,
      target,
      name: meta.name,
      phase: 'extracting',
    });
    journaled = true;
    step('journal-written', 0);
    await rm(staging, { recursive: true, force: true });
    await mkdir(staging, { mode: 0o700 });
    step('staging-created', 0);
    const sink = new ExtractSink(staging, meta.name);
    sinkRef = sink;
    const parser = new EntryParser(meta.name);
    let archiveLeft = meta.archiveBytes;
    let done = 0;
    const consume = async (chunk: Uint8Array): Promise<void> => {
      // The archive first, then padding that must be all zeros (a modified container cannot hide bytes there).
      let rest = chunk;
      if (archiveLeft > 0) {
        const part = rest.subarray(0, Math.min(archiveLeft, rest.length));
        const { events, used } = parser.feed(part);
        if (used !== part.length && !parser.ended)
          throw new FileLockError('FILELOCK_MALFORMED', 'archive length mismatch');
        if (parser.ended && used !== part.length)
          throw new FileLockError('FILELOCK_MALFORMED', 'the archive ends before its stated length');
        for (const ev of events) await sink.handle(ev);
        archiveLeft -= part.length;
        rest = rest.subarray(part.length);
        if (archiveLeft === 0 && !parser.ended)
          throw new FileLockError('FILELOCK_MALFORMED', 'the archive does not end at its stated length');
      }
      for (const b of rest) if (b !== 0) throw new FileLockError('FILELOCK_MALFORMED', 'non-zero padding');
    };
    await consume(out.subarray(metaLen, lenOf(0)));
    done += lenOf(0);
    o.onProgress?.({ done, total: h.streamLength, phase: 'decrypting' });
    // Chunks 1..n-1 over SLOTS slots: read in order into a slot, opened there (by the cipher pool's
    // threads, or inline), then written out in order; a slot is reused once its chunk was written.
    const cipher = await startChunkCipher({
      threads: o.cipherThreads ?? defaultThreads(n),
      slots: SLOTS,
      chunkSize: cs,
      key: fileKey,
      nonceBase: h.nonceBase,
      ad: streamAd(h),
      onAuthFailure: integrityFailure,
      workerEntry: o.cipherWorkerEntry,
    });
    fileKey.fill(0);
    const free: Array<Promise<void>> = Array.from({ length: SLOTS }, () => Promise.resolve());
    const plainCopy = Array.from({ length: SLOTS }, () => new Uint8Array(cs));
    const failure: { first: Error | null } = { first: null };
    const note = (e: unknown) => {
      failure.first ??= e instanceof Error ? e : new FileLockError('FILELOCK_IO', 'unlock failed');
    };
    let readChain: Promise<void> = Promise.resolve();
    let consumeChain: Promise<void> = Promise.resolve();
    const gc = youngGc();
    let sinceGc = 0;
    try {
      for (let i = 1; i < n; i++) {
        const slot = i % SLOTS;
        await free[slot];
        checkAbort(o.signal);
        if (failure.first) throw failure.first;
        const len = lenOf(i);
        const into = cipher.view(slot).sealed.subarray(0, len + TAG_BYTES);
        const filled = (readChain = readChain.then(() => readExactly(fh!, into, posOf(i))));
        // The opened chunk is copied at once into this slot's own buffer and the backend's buffer wiped, so
        // that buffer dies young (kept until its turn to be written it would survive scavenges and every
        // new chunk would fault in fresh pages); the slot buffers are wiped at the end.
        const plain = plainCopy[slot]!.subarray(0, len);
        const opened = filled.then(async () => {
          const p = await cipher.open(slot, i, i === n - 1, len);
          try {
            if (p.length !== len) throw new RangeError('opened chunk length');
            plain.set(p);
          } finally {
            p.fill(0);
          }
        });
        const consumed = (consumeChain = Promise.all([consumeChain, opened]).then(async () => {
          await consume(plain);
          done += len;
          o.onProgress?.({ done, total: h.streamLength, phase: 'decrypting' });
        }));
        // The slot is free once its chunk was written out, or (an earlier one failed) once it was opened.
        free[slot] = consumed.catch(note).then(() => opened.catch(() => {}));
        sinceGc += len;
        if (sinceGc >= GC_EVERY_BYTES) {
          gc();
          sinceGc = 0;
        }
      }
      await Promise.all(free);
      if (failure.first) throw failure.first;
    } catch (e) {
      await Promise.allSettled([...free, readChain, consumeChain]);
      throw e;
    } finally {
      for (const b of outs) b.fill(0);
      for (const b of plainCopy) b.fill(0);
      await cipher.close();
    }
    if (!parser.ended || parser.entries !== meta.entries || sink.bytes !== meta.bytes) {
      throw new FileLockError('FILELOCK_MALFORMED', 'the archive does not match its metadata');
    }
    await sink.finish();
    step('extracted', 0);
    await fh.close();
    fh = null;
    await writeJournal(o.journalDir, {
      v: 1,
      op: 'unlock',
      id,
      container: c.path,
      staging,
      target,
      name: meta.name,
      phase: 'placing',
    });
    step('placing', 0);
    if (await exists(target)) {
      throw new FileLockError(
        'FILELOCK_TARGET_EXISTS',
        `${target} appeared while unlocking: move it away, then unlock again`,
      );
    }
    await rename(join(staging, meta.name), target);
    await fsyncDir(dir);
    step('placed', 0);
    await sink.finishRoot(target);
    await rm(c.path, { force: true });
    await removeTree(staging);
    await fsyncDir(dir);
    step('container-removed', 0);
    await removeDurable(journalFile(o.journalDir, id));
    step('journal-removed', 0);
    return {
      restoredPath: target,
      containerPath: c.path,
      kind: meta.kind,
      name: meta.name,
      bytes: meta.bytes,
    };
  } catch (e) {
    await fh?.close().catch(() => {});
    if (journaled) {
      // Only the staging copy is removed: the container is never touched on failure.
      await sinkRef?.abort();
      await removeTree(staging).catch(() => {});
      await removeDurable(journalFile(o.journalDir, id)).catch(() => {});
    }
    throw e instanceof FileLockError ? e : fromOsError(e, `unlocking ${c.path}`);
  } finally {
    fileKey.fill(0);
    aead.dispose();
  }
}

/** Writes archive events into the staging folder: files O_EXCL 0600, fsynced, then their stored mode. */
class ExtractSink {
  readonly #staging: string;
  #fh: FileHandle | null = null;
  #cur: { path: string; mode: number; mtimeMs: number } | null = null;
  #pos = 0;
  readonly #folders: Array<{ path: string; mode: number; mtimeMs: number }> = [];
  bytes = 0;

  constructor(staging: string, _root: string) {
    this.#staging = staging;
  }

  async handle(ev: ArchiveEvent): Promise<void> {
    switch (ev.kind) {
      case 'entry': {
        const abs = join(this.#staging, ...ev.entry.path.split('/'));
        if (ev.entry.type === 'folder') {
          await mkdir(abs, { mode: 0o700 });
          this.#folders.push({ path: abs, mode: ev.entry.mode, mtimeMs: ev.entry.mtimeMs });
        } else {
          this.#fh = await open(
            abs,
            constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
            0o600,
          );
          this.#cur = { path: abs, mode: ev.entry.mode, mtimeMs: ev.entry.mtimeMs };
          this.#pos = 0;
        }
        return;
      }
      case 'data': {
        if (!this.#fh) throw new FileLockError('FILELOCK_MALFORMED', 'data outside a file');
        await writeAll(this.#fh, ev.bytes, this.#pos);
        this.#pos += ev.bytes.length;
        this.bytes += ev.bytes.length;
        return;
      }
      case 'file-end': {
        const fh = this.#fh;
        const cur = this.#cur;
        if (!fh || !cur) throw new FileLockError('FILELOCK_MALFORMED', 'file end outside a file');
        await fh.sync();
        await fh.chmod(cur.mode);
        await fh.utimes(new Date(cur.mtimeMs), new Date(cur.mtimeMs));
        await fh.close();
        this.#fh = null;
        this.#cur = null;
        return;
      }
      case 'end':
        return;
    }
  }

  /**
   * Folder modes and times last, deepest first (a read-only folder must not block its own children); the
   * root folder's after it is moved into place (moving a folder needs write permission on it).
   */
  async finish(): Promise<void> {
    for (const f of [...this.#folders].slice(1).reverse()) {
      const fh = await open(f.path, constants.O_RDONLY | constants.O_DIRECTORY);
      try {
        await fh.sync();
        await fh.utimes(new Date(f.mtimeMs), new Date(f.mtimeMs));
        await fh.chmod(f.mode);
      } finally {
        await fh.close();
      }
    }
    await fsyncDir(this.#staging);
  }

  async finishRoot(placedAt: string): Promise<void> {
    const f = this.#folders[0];
    if (!f) return;
    const fh = await open(placedAt, constants.O_RDONLY | constants.O_DIRECTORY);
    try {
      await fh.utimes(new Date(f.mtimeMs), new Date(f.mtimeMs));
      await fh.chmod(f.mode);
    } finally {
      await fh.close();
    }
  }

  async abort(): Promise<void> {
    await this.#fh?.close().catch(() => {});
  }
}
