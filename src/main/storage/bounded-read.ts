/**
 * The one bounded file reader of the app and the CLI. Every file FaceVault reads from disk (bundles, the
 * catalog and its signature, licences, templates, attempt counters, the device identity, sealed TPM blobs,
 * the app's own sealed resources, the CLI's inputs) goes through here.
 *
 * Guarantees, in this order, all on one descriptor (so the checks and the read are about the same file even
 * if the path is swapped in between):
 *   1. open(2) with O_NONBLOCK (a FIFO in place of a file cannot block the thread on open) and, unless the
 *      caller asks to follow links, O_NOFOLLOW (a symlink as the last component is refused: ELOOP);
 *   2. fstat(2): anything but a regular file (directory, FIFO, character or block device, socket) is refused
 *      before one byte is read (`/dev/zero` cannot grow a buffer);
 *   3. the size from fstat is checked against the caller's mandatory bound before anything is allocated;
 *   4. optionally a header (the first `header.bytes`) is read and checked first — magic before body — so a
 *      1.9 GB sparse file without the right magic costs one small read;
 *   5. exactly `size` bytes are read, and one more read must return 0: a file that shrank or grew while being
 *      read is refused ('changed'), never half-trusted. Never more than `maxBytes` are read.
 * Each refusal goes to the caller's `refuse` factory, so every caller reports its own stable code (template
 * corrupt, counter corrupt, licence invalid, identity damaged, bundle malformed, CLI bad input...).
 * POSIX semantics: open(2), fstat(2), pread(2) (IEEE Std 1003.1-2017); O_NOFOLLOW / O_NONBLOCK as on Linux.
 */
import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { errnoCode } from './fs-errors.ts';

export type FileKind =
  'directory' | 'fifo' | 'character-device' | 'block-device' | 'socket' | 'symlink' | 'other';

export type ReadRefusal =
  | { readonly kind: 'missing' }
  | { readonly kind: 'symlink' }
  | { readonly kind: 'not-regular'; readonly fileKind: FileKind }
  | { readonly kind: 'too-large'; readonly size: number; readonly maxBytes: number }
  | { readonly kind: 'changed' }
  | { readonly kind: 'io'; readonly code: string };

export interface BoundedReadOptions {
  /** Hard bound: a larger file is refused from its fstat size, before anything is allocated or read. */
  readonly maxBytes: number;
  /**
   * 'refuse': O_NOFOLLOW, for files FaceVault itself keeps (data dir, catalog, sealed resources);
   * 'follow': for paths a person typed (the CLI), where a link to a regular file is the user's choice —
   * the target is still fstat-checked.
   */
  readonly symlinks: 'refuse' | 'follow';
  /** Read and check the first `bytes` (fewer if the file is shorter) before the body; `check` throws. */
  readonly header?: { readonly bytes: number; readonly check: (head: Uint8Array, size: number) => void };
  /** The caller's error for each refusal ('missing' included, unless the *IfExists form is used). */
  readonly refuse: (why: ReadRefusal, path: string) => Error;
}

/** A human-readable reason, for callers whose error messages name the refusal. */
export function describeRefusal(r: ReadRefusal): string {
  switch (r.kind) {
    case 'missing':
      return 'no such file';
    case 'symlink':
      return 'is a symbolic link';
    case 'not-regular':
      return `not a regular file (${r.fileKind})`;
    case 'too-large':
      return `larger than the ${r.maxBytes}-byte limit (${r.size} bytes)`;
    case 'changed':
      return 'changed size while it was read';
    case 'io':
      return `cannot be read (${r.code})`;
  }
}

const flags = (o: BoundedReadOptions): number =>
  constants.O_RDONLY |
  (constants.O_NONBLOCK ?? 0) |
  (o.symlinks === 'refuse' ? (constants.O_NOFOLLOW ?? 0) : 0);

function fileKind(st: Stats): FileKind {
  if (st.isDirectory()) return 'directory';
  if (st.isFIFO()) return 'fifo';
  if (st.isCharacterDevice()) return 'character-device';
  if (st.isBlockDevice()) return 'block-device';
  if (st.isSocket()) return 'socket';
  if (st.isSymbolicLink()) return 'symlink';
  return 'other';
}

function openRefusal(e: unknown, o: BoundedReadOptions): ReadRefusal {
  const code = errnoCode(e) ?? 'EIO';
  if (code === 'ENOENT' || code === 'ENOTDIR') return { kind: 'missing' };
  if (code === 'ELOOP' && o.symlinks === 'refuse') return { kind: 'symlink' };
  if (code === 'EISDIR') return { kind: 'not-regular', fileKind: 'directory' };
  if (code === 'ENXIO') return { kind: 'not-regular', fileKind: 'socket' }; // open(2) of a socket
  return { kind: 'io', code };
}

/** Checks done on the fstat result; returns the size to read. */
function admit(st: Stats, path: string, o: BoundedReadOptions): number {
  if (!st.isFile()) throw o.refuse({ kind: 'not-regular', fileKind: fileKind(st) }, path);
  if (!Number.isSafeInteger(o.maxBytes) || o.maxBytes < 0)
    throw new RangeError('maxBytes must be a non-negative integer');
  if (st.size > o.maxBytes) throw o.refuse({ kind: 'too-large', size: st.size, maxBytes: o.maxBytes }, path);
  return st.size;
}

class Refused extends Error {
  readonly refusal: ReadRefusal;
  constructor(refusal: ReadRefusal) {
    super(refusal.kind);
    this.refusal = refusal;
  }
}

/** Synchronous form (bundles: one read(2) of a page-cached file is cheaper than the thread pool). */
export function readBoundedFileSync(path: string, o: BoundedReadOptions): Buffer<ArrayBuffer> {
  const r = readSyncOrMissing(path, o);
  if (r === null) throw o.refuse({ kind: 'missing' }, path);
  return r;
}

/** As readBoundedFileSync, but an absent file is null (the caller decides what absence means). */
export function readBoundedFileIfExistsSync(path: string, o: BoundedReadOptions): Buffer<ArrayBuffer> | null {
  return readSyncOrMissing(path, o);
}

function readSyncOrMissing(path: string, o: BoundedReadOptions): Buffer<ArrayBuffer> | null {
  let fd: number;
  try {
    fd = openSync(path, flags(o));
  } catch (e) {
    const why = openRefusal(e, o);
    if (why.kind === 'missing') return null;
    throw o.refuse(why, path);
  }
  try {
    const size = admit(fstatSync(fd), path, o);
    const readAt = (buf: Buffer, off: number, len: number, pos: number): number => {
      try {
        return readSync(fd, buf, off, len, pos);
      } catch (e) {
        throw new Refused({ kind: 'io', code: errnoCode(e) ?? 'EIO' });
      }
    };
    return readBody(size, o, readAt);
  } catch (e) {
    if (e instanceof Refused) throw o.refuse(e.refusal, path);
    throw e;
  } finally {
    closeSync(fd);
  }
}

function readBody(
  size: number,
  o: BoundedReadOptions,
  readAt: (b: Buffer, off: number, len: number, pos: number) => number,
): Buffer<ArrayBuffer> {
  let out: Buffer<ArrayBuffer>;
  let off = 0;
  if (o.header) {
    const n = Math.min(o.header.bytes, size);
    const head = Buffer.alloc(n);
    while (off < n) {
      const got = readAt(head, off, n - off, off);
      if (got === 0) throw new Refused({ kind: 'changed' });
      off += got;
    }
    o.header.check(head, size);
    out = Buffer.allocUnsafeSlow(size); // filled completely below or discarded
    head.copy(out, 0);
  } else {
    out = Buffer.allocUnsafeSlow(size);
  }
  while (off < size) {
    const got = readAt(out, off, size - off, off);
    if (got === 0) throw new Refused({ kind: 'changed' });
    off += got;
  }
  if (readAt(Buffer.alloc(1), 0, 1, size) !== 0) throw new Refused({ kind: 'changed' }); // it grew
  return out;
}

/** Asynchronous form (small files on the event loop: templates, counters, licences, key files, resources). */
export async function readBoundedFile(path: string, o: BoundedReadOptions): Promise<Buffer<ArrayBuffer>> {
  const r = await readAsyncOrMissing(path, o);
  if (r === null) throw o.refuse({ kind: 'missing' }, path);
  return r;
}

/** As readBoundedFile, but an absent file is null. */
export async function readBoundedFileIfExists(
  path: string,
  o: BoundedReadOptions,
): Promise<Buffer<ArrayBuffer> | null> {
  return readAsyncOrMissing(path, o);
}

async function readAsyncOrMissing(path: string, o: BoundedReadOptions): Promise<Buffer<ArrayBuffer> | null> {
  let fh: FileHandle;
  try {
    fh = await open(path, flags(o));
  } catch (e) {
    const why = openRefusal(e, o);
    if (why.kind === 'missing') return null;
    throw o.refuse(why, path);
  }
  try {
    let st: Stats;
    try {
      st = await fh.stat();
    } catch (e) {
      throw new Refused({ kind: 'io', code: errnoCode(e) ?? 'EIO' });
    }
    const size = admit(st, path, o);
    // The same algorithm as the synchronous form, over FileHandle.read.
    return await readBodyAsync(fh, size, o);
  } catch (e) {
    if (e instanceof Refused) throw o.refuse(e.refusal, path);
    throw e;
  } finally {
    await fh.close();
  }
}

async function readBodyAsync(
  fh: FileHandle,
  size: number,
  o: BoundedReadOptions,
): Promise<Buffer<ArrayBuffer>> {
  const readAt = async (buf: Buffer, off: number, len: number, pos: number): Promise<number> => {
    try {
      return (await fh.read(buf, off, len, pos)).bytesRead;
    } catch (e) {
      throw new Refused({ kind: 'io', code: errnoCode(e) ?? 'EIO' });
    }
  };
  let off = 0;
  let out: Buffer<ArrayBuffer>;
  if (o.header) {
    const n = Math.min(o.header.bytes, size);
    const head = Buffer.alloc(n);
    while (off < n) {
      const got = await readAt(head, off, n - off, off);
      if (got === 0) throw new Refused({ kind: 'changed' });
      off += got;
    }
    o.header.check(head, size);
    out = Buffer.alloc(size);
    head.copy(out, 0);
  } else {
    out = Buffer.alloc(size);
  }
  while (off < size) {
    const got = await readAt(out, off, size - off, off);
    if (got === 0) throw new Refused({ kind: 'changed' });
    off += got;
  }
  if ((await readAt(Buffer.alloc(1), 0, 1, size)) !== 0) throw new Refused({ kind: 'changed' });
  return out;
}
