/**
 * Locking and unlocking on disk (node:fs adapter over the pure container format). Guarantees:
 *
 * - Never loses data. Lock: journal entry (fsynced) → temp file `.<id>.fvlock.partial` in the same folder
 *   (O_EXCL, 0600) → streamed encryption → every chunk read back and decrypted (tag-checked) → fsync →
 *   the source is checked unchanged → rename to `<id>.fvlock` → fsync folder → original removed → fsync →
 *   journal entry removed. Unlock mirrors it with a staging folder `.<id>.restore/` and a `placing` phase.
 *   A SIGKILL or crash at any point leaves the original (or the container) intact, or the complete new
 *   one; `recoverJournal` (run at every start) finishes or rolls back what a journal entry describes.
 * - A tampered, truncated or extended container is refused with a typed error and never modified: its
 *   length is checked against the header first, every chunk's tag before its bytes are used, padding must
 *   be zero, and the half-restored staging folder is removed.
 * - Bounded memory: two plaintext and three ciphertext chunk buffers (1 MiB each by default) whatever the
 *   file size; folders are listed (metadata only) up front.
 * - Keys: the random file key is wiped after use; the vault-derived wrap key belongs to the caller.
 *
 * Kill points: `onStep` is called at each durable step (tests and the benchmark SIGKILL themselves there).
 */
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import {
  chmod,
  lstat,
  mkdir,
  open,
  readdir,
  readFile,
  rename,
  rm,
  stat,
  type FileHandle,
} from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { StreamAead, TAG_BYTES } from '../../crypto/stream-aead.ts';
import {
  buildHeader,
  chunkCount,
  CONTAINER_SUFFIX,
  decodeMeta,
  DEFAULT_CHUNK_BYTES,
  encodeMeta,
  HEADER_BYTES,
  paddedLength,
  parseHeader,
  streamAd,
  unwrapFileKey,
  type ContainerHeader,
  type ContainerMeta,
} from '../../filelock/container-format.ts';
import { FileLockError, fromOsError } from '../../filelock/errors.ts';
import {
  archiveLength,
  encodeEntryHeader,
  EntryParser,
  type ArchiveEvent,
} from '../../filelock/tree-archive.ts';
import type { FileLockKeys } from '../../filelock/vault-key.ts';
import { ensurePrivateDir, fsyncDir, removeDurable, writeFileDurable } from './durable.ts';
import { startVerifier, type ChunkVerifier } from './verify-worker-host.ts';
import { GC_EVERY_BYTES, youngGc } from './v8-young-gc.ts';
import { idOf, readSourceTree, unchanged, type SourceEntry, type SourceTree } from './source-tree.ts';

export type LockStep =
  | 'journal-written'
  | 'temp-created'
  | 'chunk-written'
  | 'verified'
  | 'temp-synced'
  | 'renamed'
  | 'source-removed'
  | 'journal-removed'
  | 'staging-created'
  | 'extracted'
  | 'placing'
  | 'placed'
  | 'container-removed';

export interface ProgressInfo {
  readonly done: number;
  readonly total: number;
  readonly phase: 'encrypting' | 'verifying' | 'decrypting';
}

export interface EngineOptions {
  /** Folder of the journal (app data dir): one JSON entry per operation in flight. */
  readonly journalDir: string;
  readonly keys: FileLockKeys;
  readonly chunkSize?: number;
  readonly allowSparse?: boolean;
  readonly onProgress?: (p: ProgressInfo) => void;
  readonly onStep?: (step: LockStep, detail: number) => void;
  readonly signal?: AbortSignal;
  /** Where the decrypt-check of a lock runs: a worker thread (default, on the second core) or inline. */
  readonly verify?: 'thread' | 'inline';
  /** The id to use (relock keeps an item's id); random otherwise. */
  readonly id?: string;
}

export interface LockResult {
  readonly id: string;
  readonly containerPath: string;
  readonly originalPath: string;
  readonly kind: 'file' | 'folder';
  readonly name: string;
  readonly bytes: number;
  readonly entries: number;
}

export interface UnlockResult {
  readonly restoredPath: string;
  readonly containerPath: string;
  readonly kind: 'file' | 'folder';
  readonly name: string;
  readonly bytes: number;
}

const ID_ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';
/** A random item id in the RFC 4648 base32 alphabet (lower case): 26 characters, 130 bits. */
export function newItemId(): string {
  // 26 independent uniform 5-bit symbols (256 is a multiple of 32): 130 random bits.
  const b = randomBytes(26);
  let s = '';
  for (const x of b) s += ID_ALPHABET[x & 31];
  return s;
}
export const ITEM_ID_RE = /^[a-z2-7]{26}$/;

export const containerPathFor = (dir: string, id: string): string => join(dir, `${id}${CONTAINER_SUFFIX}`);
const tempPathFor = (dir: string, id: string): string => join(dir, `.${id}${CONTAINER_SUFFIX}.partial`);
const stagingPathFor = (dir: string, id: string): string => join(dir, `.${id}.restore`);

// ---------------------------------------------------------------------------------------------- journal

export type JournalEntry =
  | {
      readonly v: 1;
      readonly op: 'lock';
      readonly id: string;
      readonly source: string;
      readonly sourceId: string;
      readonly kind: 'file' | 'folder';
      readonly container: string;
      readonly temp: string;
    }
  | {
      readonly v: 1;
      readonly op: 'unlock';
      readonly id: string;
      readonly container: string;
      readonly staging: string;
      readonly target: string;
      readonly name: string;
      readonly phase: 'extracting' | 'placing';
    };

const journalFile = (journalDir: string, id: string) => join(journalDir, `${id}.json`);

async function writeJournal(journalDir: string, e: JournalEntry): Promise<void> {
  await ensurePrivateDir(journalDir);
  await writeFileDurable(journalFile(journalDir, e.id), JSON.stringify(e));
}

// ------------------------------------------------------------------------------------------ payload source

type Segment =
  { kind: 'bytes'; data: Uint8Array } | { kind: 'file'; entry: SourceEntry } | { kind: 'zeros'; n: number };

/** Produces the payload bytes in order (meta, archive, padding), reading files as it goes. */
class PayloadSource {
  readonly #segments: Segment[];
  #seg = 0;
  #off = 0;
  #fh: FileHandle | null = null;

  constructor(segments: Segment[]) {
    this.#segments = segments;
  }

  async fill(buf: Uint8Array, len: number): Promise<void> {
    let pos = 0;
    while (pos < len) {
      const s = this.#segments[this.#seg];
      if (!s) throw new RangeError('payload shorter than announced');
      const segLen = s.kind === 'bytes' ? s.data.length : s.kind === 'zeros' ? s.n : s.entry.size;
      const take = Math.min(segLen - this.#off, len - pos);
      if (s.kind === 'bytes') buf.set(s.data.subarray(this.#off, this.#off + take), pos);
      else if (s.kind === 'zeros') buf.fill(0, pos, pos + take);
      else await this.#readFile(s.entry, buf, pos, take);
      pos += take;
      this.#off += take;
      if (this.#off === segLen) {
        if (s.kind === 'file') await this.#closeFile(s.entry);
        this.#seg++;
        this.#off = 0;
      }
    }
  }

  async #readFile(e: SourceEntry, buf: Uint8Array, pos: number, take: number): Promise<void> {
    if (!this.#fh) {
      try {
        this.#fh = await open(e.abs, constants.O_RDONLY | constants.O_NOFOLLOW);
      } catch (err) {
        throw new FileLockError(
          'FILELOCK_SOURCE_CHANGED',
          `${e.path} changed or disappeared while it was being locked; nothing was changed`,
          { cause: err },
        );
      }
      if (idOf(await this.#fh.stat({ bigint: true })) !== e.stamp.split(':').slice(0, 2).join(':')) {
        throw new FileLockError(
          'FILELOCK_SOURCE_CHANGED',
          `${e.path} was replaced while it was being locked; nothing was changed`,
        );
      }
    }
    let got = 0;
    while (got < take) {
      const { bytesRead } = await this.#fh.read(buf, pos + got, take - got, this.#off + got);
      if (bytesRead === 0)
        throw new FileLockError(
          'FILELOCK_SOURCE_CHANGED',
          `${e.path} got shorter while it was being locked; nothing was changed`,
        );
      got += bytesRead;
    }
  }

  async #closeFile(_e: SourceEntry): Promise<void> {
    await this.#fh?.close();
    this.#fh = null;
  }

  async close(): Promise<void> {
    await this.#fh?.close().catch(() => {});
    this.#fh = null;
  }
}

function payloadFor(
  tree: SourceTree,
  lockedAt: number,
): { segments: Segment[]; length: number; meta: ContainerMeta } {
  const aLen = archiveLength(tree.entries);
  const meta: ContainerMeta = {
    v: 1,
    kind: tree.kind,
    name: tree.name,
    bytes: tree.bytes,
    entries: tree.entries.length,
    archiveBytes: aLen,
    lockedAt,
  };
  const m = encodeMeta(meta);
  const segments: Segment[] = [{ kind: 'bytes', data: m }];
  for (const e of tree.entries) {
    segments.push({ kind: 'bytes', data: encodeEntryHeader(e) });
    if (e.type === 'file' && e.size > 0) segments.push({ kind: 'file', entry: e });
  }
  segments.push({ kind: 'bytes', data: new Uint8Array(1) }); // end marker
  const unpadded = m.length + aLen;
  const length = paddedLength(unpadded);
  if (length > unpadded) segments.push({ kind: 'zeros', n: length - unpadded });
  return { segments, length, meta };
}

// ------------------------------------------------------------------------------------------------ lock

const checkAbort = (signal?: AbortSignal): void => {
  if (signal?.aborted) throw new FileLockError('FILELOCK_CANCELLED', 'cancelled; nothing was changed');
};

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

function integrityFailure(index: number, cause: unknown): FileLockError {
  return new FileLockError(
    'FILELOCK_INTEGRITY',
    `the locked file was modified or damaged (chunk ${index} does not authenticate); it was not changed`,
    { cause },
  );
}

async function writeAll(fh: FileHandle, data: Uint8Array, position: number): Promise<void> {
  let done = 0;
  while (done < data.length) {
    const { bytesWritten } = await fh.write(data, done, data.length - done, position + done);
    done += bytesWritten;
  }
}

async function readExactly(fh: FileHandle, buf: Uint8Array, position: number): Promise<void> {
  let got = 0;
  while (got < buf.length) {
    const { bytesRead } = await fh.read(buf, got, buf.length - got, position + got);
    if (bytesRead === 0)
      throw new FileLockError('FILELOCK_MALFORMED', 'the locked file ended early; it was not changed');
    got += bytesRead;
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

/** Removes a staging tree we created, even where restored folders are already read-only. */
async function removeTree(p: string): Promise<void> {
  try {
    await rm(p, { recursive: true, force: true });
    return;
  } catch {
    /* a read-only folder inside: make our own staging folders writable, then remove */
  }
  const walk = async (d: string): Promise<void> => {
    let st;
    try {
      st = await lstat(d);
    } catch {
      return;
    }
    if (!st.isDirectory()) return;
    await chmod(d, 0o700);
    for (const n of await readdir(d)) await walk(join(d, n));
  };
  await walk(p);
  await rm(p, { recursive: true, force: true });
}

async function exists(p: string): Promise<boolean> {
  try {
    await lstat(p);
    return true;
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------------------------- unlock

export interface OpenedContainer {
  readonly path: string;
  readonly header: ContainerHeader;
  readonly size: number;
}

/** Reads and checks a container's header and length (no key needed). */
export async function inspectContainer(path: string): Promise<OpenedContainer> {
  const abs = resolve(path);
  let fh: FileHandle;
  try {
    fh = await open(abs, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (e) {
    if (typeof e === 'object' && e !== null && 'code' in e && e.code === 'ELOOP') {
      throw new FileLockError('FILELOCK_SYMLINK', `${abs} is a symbolic link: open the locked file itself`);
    }
    throw fromOsError(e, abs);
  }
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw new FileLockError('FILELOCK_NOT_REGULAR', `${abs} is not a locked file`);
    const b = new Uint8Array(HEADER_BYTES);
    const { bytesRead } = await fh.read(b, 0, HEADER_BYTES, 0);
    return { path: abs, header: parseHeader(b.subarray(0, bytesRead), st.size), size: st.size };
  } finally {
    await fh.close();
  }
}

/** Decrypts only the first chunk and returns the metadata (name, kind, size) — for the app's list. */
export async function readContainerMeta(path: string, keys: FileLockKeys): Promise<ContainerMeta> {
  const c = await inspectContainer(path);
  const fileKey = unwrapFileKey(c.header, keys.wrapKey, keys.vaultKeyId);
  const aead = new StreamAead(fileKey, c.header.nonceBase, streamAd(c.header), 'node', integrityFailure);
  fileKey.fill(0);
  const fh = await open(c.path, constants.O_RDONLY | constants.O_NOFOLLOW);
  try {
    const n = chunkCount(c.header.streamLength, c.header.chunkSize);
    const len = n === 1 ? c.header.streamLength : c.header.chunkSize;
    const sealedBuf = new Uint8Array(len + TAG_BYTES);
    await readExactly(fh, sealedBuf, HEADER_BYTES);
    const out = new Uint8Array(len);
    aead.open(0, n === 1, sealedBuf, out);
    const { meta } = decodeMeta(out);
    out.fill(0);
    return meta;
  } finally {
    aead.dispose();
    await fh.close();
  }
}

/**
 * Restores a container next to itself under its original name, then removes the container. Refuses
 * (FILELOCK_TARGET_EXISTS) when something already has that name: nothing is ever overwritten.
 */
export async function unlockContainer(path: string, o: EngineOptions): Promise<UnlockResult> {
  const c = await inspectContainer(path);
  const dir = dirname(c.path);
  const fileKey = unwrapFileKey(c.header, o.keys.wrapKey, o.keys.vaultKeyId);
  const aead = new StreamAead(fileKey, c.header.nonceBase, streamAd(c.header), 'node', integrityFailure);
  fileKey.fill(0);
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
    const sealedBuf = [new Uint8Array(cs + TAG_BYTES), new Uint8Array(cs + TAG_BYTES)];
    const outs = [new Uint8Array(cs), new Uint8Array(cs)];
    const out = outs[0]!;
    // Chunk 0 first: the meta record says the name, so the target can be checked before writing anything.
    let read: Promise<void> = readExactly(fh, sealedBuf[0]!.subarray(0, lenOf(0) + TAG_BYTES), posOf(0));
    await read;
    aead.open(0, n === 1, sealedBuf[0]!.subarray(0, lenOf(0) + TAG_BYTES), out.subarray(0, lenOf(0)));
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
    if (n > 1) read = readExactly(fh, sealedBuf[1]!.subarray(0, lenOf(1) + TAG_BYTES), posOf(1));
    // Chunk i is opened while chunk i-1's plaintext is still being written (two plaintext buffers).
    let writing: Promise<void> = Promise.resolve();
    const gc = youngGc();
    try {
      for (let i = 1; i < n; i++) {
        checkAbort(o.signal);
        await read;
        const len = lenOf(i);
        const cur = sealedBuf[i % 2]!.subarray(0, len + TAG_BYTES);
        const plain = outs[i % 2]!.subarray(0, len);
        aead.open(i, i === n - 1, cur, plain);
        await writing;
        if (i + 1 < n) {
          read = readExactly(fh, sealedBuf[(i + 1) % 2]!.subarray(0, lenOf(i + 1) + TAG_BYTES), posOf(i + 1));
          read.catch(() => {}); // awaited next round
        }
        writing = consume(plain);
        writing.catch(() => {}); // awaited next round
        done += len;
        if (i % Math.max(1, Math.floor(GC_EVERY_BYTES / cs)) === 0) gc();
        o.onProgress?.({ done, total: h.streamLength, phase: 'decrypting' });
      }
      await writing;
    } catch (e) {
      await Promise.allSettled([writing, read]);
      throw e;
    } finally {
      for (const b of outs) b.fill(0);
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

// -------------------------------------------------------------------------------------------- recovery

export interface RecoveryOutcome {
  readonly id: string;
  readonly op: 'lock' | 'unlock';
  /** completed: the new state is in place; rolled-back: the original is untouched; deferred: its folder is not reachable now. */
  readonly outcome: 'completed' | 'rolled-back' | 'deferred' | 'unreadable-journal';
  readonly path: string;
}

/**
 * Finishes or rolls back every operation a journal entry describes (run at every start, before any new
 * operation). Never deletes an original unless its locked copy is in place and complete (rename happens
 * only after verification and fsync, so a container under its final name is complete; its header and
 * length are checked again here anyway).
 */
export async function recoverJournal(journalDir: string): Promise<RecoveryOutcome[]> {
  let names: string[];
  try {
    names = (await readdir(journalDir)).filter((n) => /^[a-z2-7]{26}\.json$/.test(n));
  } catch {
    return [];
  }
  const out: RecoveryOutcome[] = [];
  for (const n of names.sort()) {
    const file = join(journalDir, n);
    let e: JournalEntry;
    try {
      e = JSON.parse(await readFile(file, 'utf8')) as JournalEntry;
      if (e.v !== 1 || (e.op !== 'lock' && e.op !== 'unlock') || `${e.id}.json` !== n)
        throw new Error('shape');
    } catch {
      out.push({ id: n.slice(0, 26), op: 'lock', outcome: 'unreadable-journal', path: file });
      continue;
    }
    out.push(e.op === 'lock' ? await recoverLock(e, file) : await recoverUnlock(e, file));
  }
  return out;
}

async function recoverLock(e: Extract<JournalEntry, { op: 'lock' }>, file: string): Promise<RecoveryOutcome> {
  const dir = dirname(e.container);
  if (!(await exists(dir))) return { id: e.id, op: 'lock', outcome: 'deferred', path: e.source };
  let complete = false;
  try {
    await inspectContainer(e.container);
    complete = true;
  } catch {
    complete = false;
  }
  if (complete) {
    // The locked copy is in place: finish removing the original, if it is still the one we locked.
    try {
      const st = await lstat(e.source, { bigint: true });
      if (idOf(st) === e.sourceId) await rm(e.source, { recursive: e.kind === 'folder', force: true });
    } catch {
      /* already gone */
    }
    await rm(e.temp, { force: true });
    await fsyncDir(dir);
    await removeDurable(file);
    return { id: e.id, op: 'lock', outcome: 'completed', path: e.container };
  }
  await rm(e.temp, { force: true });
  await fsyncDir(dir);
  await removeDurable(file);
  return { id: e.id, op: 'lock', outcome: 'rolled-back', path: e.source };
}

async function recoverUnlock(
  e: Extract<JournalEntry, { op: 'unlock' }>,
  file: string,
): Promise<RecoveryOutcome> {
  const dir = dirname(e.container);
  if (!(await exists(dir))) return { id: e.id, op: 'unlock', outcome: 'deferred', path: e.container };
  const staged = join(e.staging, e.name);
  if (e.phase === 'placing' && !(await exists(staged)) && (await exists(e.target))) {
    await rm(e.container, { force: true });
    await removeTree(e.staging);
    await fsyncDir(dir);
    await removeDurable(file);
    return { id: e.id, op: 'unlock', outcome: 'completed', path: e.target };
  }
  await removeTree(e.staging);
  await fsyncDir(dir);
  await removeDurable(file);
  return { id: e.id, op: 'unlock', outcome: 'rolled-back', path: e.container };
}

/** Size of a container on disk (for the list when the vault is locked). */
export async function containerSize(path: string): Promise<number | null> {
  try {
    return (await stat(path)).size;
  } catch {
    return null;
  }
}
