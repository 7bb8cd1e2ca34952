/**
 * FVTREE v1: the archive inside a container's payload (docs/filelock-format.md §Archive). A file is an
 * archive of one file entry; a folder is its folder entry followed by every entry below it, parents first.
 * Deliberately smaller than tar/pax (POSIX.1-2017 pax): only folders and regular files, permission bits and
 * mtime, no owners, links or devices — so nothing in it can point outside the restored folder. Pure.
 *
 *   entry   = type u8 (1 folder, 2 file) ‖ pathLength u16 ‖ path (UTF-8) ‖ mode u32 ‖ mtimeMs f64
 *             ‖ [file only: size u64 ‖ size bytes]
 *   archive = entry+ ‖ 0x00                                  (all integers little-endian)
 *
 * Paths are '/'-separated and relative to the container's folder: the first entry's path is the item's own
 * name, every later one starts with "<name>/". `EntryParser` checks each path (no empty, ".", ".." or
 * NUL component, ≤ 255 B per component, ≤ 4096 B in all) and that its parent folder came earlier.
 */
import { FileLockError } from './errors.ts';

export const ENTRY_END = 0;
export const ENTRY_FOLDER = 1;
export const ENTRY_FILE = 2;
export const PATH_MAX_BYTES = 4096;
const FIXED = 1 + 2 + 4 + 8;

export interface ArchiveEntry {
  readonly type: 'folder' | 'file';
  readonly path: string;
  readonly mode: number;
  readonly mtimeMs: number;
  /** File entries only. */
  readonly size: number;
}

const enc = new TextEncoder();

export function entryHeaderLength(e: ArchiveEntry): number {
  return FIXED + enc.encode(e.path).length + (e.type === 'file' ? 8 : 0);
}

export function encodeEntryHeader(e: ArchiveEntry): Uint8Array {
  const p = enc.encode(e.path);
  checkPath(e.path, p.length);
  const out = new Uint8Array(FIXED + p.length + (e.type === 'file' ? 8 : 0));
  const dv = new DataView(out.buffer);
  out[0] = e.type === 'file' ? ENTRY_FILE : ENTRY_FOLDER;
  dv.setUint16(1, p.length, true);
  out.set(p, 3);
  dv.setUint32(3 + p.length, e.mode & 0o7777, true);
  dv.setFloat64(7 + p.length, e.mtimeMs, true);
  if (e.type === 'file') dv.setBigUint64(15 + p.length, BigInt(e.size), true);
  return out;
}

/** Total archive length for these entries (headers + file bytes + end marker). */
export function archiveLength(entries: readonly ArchiveEntry[]): number {
  let n = 1;
  for (const e of entries) n += entryHeaderLength(e) + (e.type === 'file' ? e.size : 0);
  return n;
}

function bad(why: string): FileLockError {
  return new FileLockError(
    'FILELOCK_MALFORMED',
    `the locked file’s contents are not a valid archive (${why})`,
  );
}

function checkPath(path: string, byteLength: number): void {
  if (byteLength < 1 || byteLength > PATH_MAX_BYTES) throw bad('path length');
  for (const c of path.split('/')) {
    if (c === '' || c === '.' || c === '..' || c.includes('\0') || enc.encode(c).length > 255)
      throw bad('path component');
  }
}

export type ArchiveEvent =
  | { readonly kind: 'entry'; readonly entry: ArchiveEntry }
  | { readonly kind: 'data'; readonly bytes: Uint8Array }
  | { readonly kind: 'file-end' }
  | { readonly kind: 'end' };

/**
 * Streaming parser: `feed` takes the next archive bytes and returns the events they complete. Data events
 * are views into the fed chunk (valid until the next feed). Headers split across chunks are reassembled
 * (bounded: one header ≤ 4 KiB + 23 B).
 */
export class EntryParser {
  readonly #root: string;
  readonly #folders = new Set<string>();
  readonly #seen = new Set<string>();
  #pending = new Uint8Array(0);
  #remaining = 0; // file bytes still to come
  #inFile = false;
  #ended = false;
  #count = 0;
  #consumed = 0;

  constructor(rootName: string) {
    this.#root = rootName;
  }

  get ended(): boolean {
    return this.#ended;
  }
  get entries(): number {
    return this.#count;
  }
  /** Archive bytes consumed so far (including the end marker once seen). */
  get consumed(): number {
    return this.#consumed;
  }

  /** Feeds bytes; returns events and how many of the fed bytes belonged to the archive. */
  feed(chunk: Uint8Array): { events: ArchiveEvent[]; used: number } {
    const events: ArchiveEvent[] = [];
    let off = 0;
    while (off < chunk.length && !this.#ended) {
      if (this.#inFile) {
        const take = Math.min(this.#remaining, chunk.length - off);
        if (take > 0) events.push({ kind: 'data', bytes: chunk.subarray(off, off + take) });
        off += take;
        this.#remaining -= take;
        if (this.#remaining === 0) {
          this.#inFile = false;
          events.push({ kind: 'file-end' });
        }
        continue;
      }
      // Header: gather into #pending until complete.
      const need = this.#headerNeed();
      if (need > 0) {
        const take = Math.min(need, chunk.length - off);
        const p = new Uint8Array(this.#pending.length + take);
        p.set(this.#pending);
        p.set(chunk.subarray(off, off + take), this.#pending.length);
        this.#pending = p;
        off += take;
        continue;
      }
      this.#finishHeader(events);
    }
    if (!this.#ended && !this.#inFile && this.#pending.length > 0 && this.#headerNeed() === 0)
      this.#finishHeader(events);
    this.#consumed += off;
    return { events, used: off };
  }

  /** Bytes still missing before the pending header can be decoded (0 = complete). */
  #headerNeed(): number {
    const p = this.#pending;
    if (p.length === 0) return 1;
    if (p[0] === ENTRY_END) return 0;
    if (p[0] !== ENTRY_FOLDER && p[0] !== ENTRY_FILE) throw bad('unknown entry type');
    if (p.length < 3) return 3 - p.length;
    const plen = (p[1] ?? 0) | ((p[2] ?? 0) << 8);
    if (plen < 1 || plen > PATH_MAX_BYTES) throw bad('path length');
    const total = FIXED + plen + (p[0] === ENTRY_FILE ? 8 : 0);
    return total - p.length;
  }

  #finishHeader(events: ArchiveEvent[]): void {
    const p = this.#pending;
    this.#pending = new Uint8Array(0);
    if (p[0] === ENTRY_END) {
      if (this.#count === 0) throw bad('empty archive');
      this.#ended = true;
      events.push({ kind: 'end' });
      return;
    }
    const dv = new DataView(p.buffer, p.byteOffset, p.byteLength);
    const plen = dv.getUint16(1, true);
    let path: string;
    try {
      path = new TextDecoder('utf-8', { fatal: true }).decode(p.subarray(3, 3 + plen));
    } catch {
      throw bad('path is not UTF-8');
    }
    checkPath(path, plen);
    const mode = dv.getUint32(3 + plen, true);
    const mtimeMs = dv.getFloat64(7 + plen, true);
    if (mode > 0o7777 || !Number.isFinite(mtimeMs)) throw bad('mode or time');
    const type = p[0] === ENTRY_FILE ? 'file' : 'folder';
    const sizeBig = type === 'file' ? dv.getBigUint64(15 + plen, true) : 0n;
    if (sizeBig > BigInt(Number.MAX_SAFE_INTEGER)) throw bad('file size');
    const size = Number(sizeBig);
    // Placement: the first entry is the root (the item's own name); later ones live under a folder seen earlier.
    if (this.#count === 0) {
      if (path !== this.#root) throw bad('first entry is not the locked item');
    } else {
      const parent = path.slice(0, Math.max(0, path.lastIndexOf('/')));
      if (!this.#folders.has(parent)) throw bad('entry outside a folder listed before it');
      if (this.#seen.has(path)) throw bad('duplicate entry');
    }
    this.#seen.add(path);
    if (type === 'folder') this.#folders.add(path);
    this.#count++;
    events.push({ kind: 'entry', entry: { type, path, mode, mtimeMs, size } });
    if (type === 'file') {
      if (size === 0) events.push({ kind: 'file-end' });
      else {
        this.#inFile = true;
        this.#remaining = size;
      }
    }
  }
}
