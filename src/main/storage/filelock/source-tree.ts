/**
 * What is about to be locked, checked before anything is written (node:fs adapter). Every refusal is a
 * typed FileLockError with a stable code and a sentence the user can act on:
 *   symbolic link → FILELOCK_SYMLINK · socket, FIFO, device → FILELOCK_NOT_REGULAR · a file with more than
 *   one name (hard link) → FILELOCK_HARD_LINKED (the other name would keep the contents readable) · a sparse
 *   file → FILELOCK_SPARSE unless allowed (it would be stored and restored at its full apparent size) ·
 *   unreadable → FILELOCK_UNREADABLE · its folder not writable → FILELOCK_NOT_WRITABLE · already a locked
 *   file → FILELOCK_ALREADY_LOCKED. Empty files and folders lock normally; read-only files lock and come
 *   back read-only (the mode is stored).
 */
import { constants, type BigIntStats } from 'node:fs';
import { access, lstat, open, readdir } from 'node:fs/promises';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { CONTAINER_SUFFIX, MAGIC } from '../../filelock/container-format.ts';
import { FileLockError, fromOsError } from '../../filelock/errors.ts';
import type { ArchiveEntry } from '../../filelock/tree-archive.ts';

export interface SourceEntry extends ArchiveEntry {
  /** Absolute path on disk. */
  readonly abs: string;
  /** Identity and version when listed: checked again before the original is removed. */
  readonly stamp: string;
}

export interface SourceTree {
  readonly abs: string;
  readonly name: string;
  readonly dir: string;
  readonly kind: 'file' | 'folder';
  readonly entries: readonly SourceEntry[];
  /** Sum of file sizes. */
  readonly bytes: number;
  /** dev:ino of the root, for recovery ("is this still the thing we locked?"). */
  readonly rootId: string;
}

export const stampOf = (st: BigIntStats): string =>
  `${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}`;
export const idOf = (st: BigIntStats): string => `${st.dev}:${st.ino}`;

/** A sparse (or file-system-compressed) file: fewer bytes allocated than it claims, beyond slack. */
const isSparse = (st: BigIntStats): boolean => st.size > 65536n && st.blocks * 512n + 65536n < st.size;

function describe(st: BigIntStats): string {
  if (st.isSocket()) return 'a socket';
  if (st.isFIFO()) return 'a named pipe (FIFO)';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device';
  return 'not a regular file or folder';
}

async function lstatOr(path: string, what: string): Promise<BigIntStats> {
  try {
    return await lstat(path, { bigint: true });
  } catch (e) {
    throw fromOsError(e, what);
  }
}

async function checkEntry(abs: string, rel: string, st: BigIntStats, allowSparse: boolean): Promise<void> {
  if (st.isSymbolicLink()) {
    throw new FileLockError(
      'FILELOCK_SYMLINK',
      `${rel} is a symbolic link: lock the file or folder it points to instead (links are not followed, so nothing outside is locked by surprise)`,
    );
  }
  if (!st.isFile() && !st.isDirectory())
    throw new FileLockError(
      'FILELOCK_NOT_REGULAR',
      `${rel} is ${describe(st)}: only files and folders can be locked`,
    );
  if (st.isFile()) {
    if (st.nlink > 1n) {
      throw new FileLockError(
        'FILELOCK_HARD_LINKED',
        `${rel} has ${st.nlink} names (hard links): locking one would leave the contents readable under the others`,
      );
    }
    if (!allowSparse && isSparse(st)) {
      throw new FileLockError(
        'FILELOCK_SPARSE',
        `${rel} is sparse (${st.blocks * 512n} of ${st.size} bytes allocated): it would be stored and restored at its full size; allow sparse files to lock it anyway`,
      );
    }
  }
  try {
    await access(abs, constants.R_OK | (st.isDirectory() ? constants.X_OK : 0));
  } catch (e) {
    throw new FileLockError('FILELOCK_UNREADABLE', `${rel} cannot be read by you: nothing was changed`, {
      cause: e,
    });
  }
}

async function looksLocked(abs: string): Promise<boolean> {
  if (!abs.endsWith(CONTAINER_SUFFIX)) return false;
  try {
    const fh = await open(abs, constants.O_RDONLY | constants.O_NOFOLLOW);
    try {
      const b = new Uint8Array(MAGIC.length);
      const { bytesRead } = await fh.read(b, 0, b.length, 0);
      return bytesRead === MAGIC.length && b.every((x, i) => x === MAGIC[i]);
    } finally {
      await fh.close();
    }
  } catch {
    return false;
  }
}

/** Lists and checks `path` (file or folder, recursively), parents before children, names sorted. */
export async function readSourceTree(
  path: string,
  opts: { allowSparse?: boolean } = {},
): Promise<SourceTree> {
  if (typeof path !== 'string' || path.length === 0 || path.includes('\0'))
    throw new FileLockError('FILELOCK_NOT_FOUND', 'no path given');
  const abs = resolve(path);
  const dir = dirname(abs);
  const name = basename(abs);
  if (dir === abs || name === '')
    throw new FileLockError(
      'FILELOCK_NOT_REGULAR',
      `${abs} is a file-system root: lock the files or folders inside it`,
    );
  const allowSparse = opts.allowSparse ?? false;
  const st = await lstatOr(abs, abs);
  await checkEntry(abs, abs, st, allowSparse);
  if (st.isFile() && (await looksLocked(abs)))
    throw new FileLockError('FILELOCK_ALREADY_LOCKED', `${abs} is already a locked file`);
  try {
    await access(dir, constants.W_OK | constants.X_OK);
  } catch (e) {
    throw new FileLockError(
      'FILELOCK_NOT_WRITABLE',
      `the folder ${dir} is not writable: the locked file is created next to the original, so nothing was changed`,
      { cause: e },
    );
  }
  const entries: SourceEntry[] = [];
  let bytes = 0;
  const add = (abs2: string, rel: string, s: BigIntStats): void => {
    const file = s.isFile();
    entries.push({
      type: file ? 'file' : 'folder',
      path: rel,
      mode: Number(s.mode & 0o7777n),
      mtimeMs: Number(s.mtimeNs / 1_000_000n),
      size: file ? Number(s.size) : 0,
      abs: abs2,
      stamp: stampOf(s),
    });
    if (file) bytes += Number(s.size);
  };
  add(abs, name, st);
  if (st.isDirectory()) {
    const walk = async (folderAbs: string, folderRel: string): Promise<void> => {
      let names: string[];
      try {
        names = (await readdir(folderAbs)).sort();
      } catch (e) {
        throw new FileLockError('FILELOCK_UNREADABLE', `${folderRel} cannot be listed: nothing was changed`, {
          cause: e,
        });
      }
      for (const n of names) {
        const childAbs = join(folderAbs, n);
        const childRel = `${folderRel}/${n}`;
        const cs = await lstatOr(childAbs, childRel);
        await checkEntry(childAbs, childRel, cs, allowSparse);
        add(childAbs, childRel, cs);
        if (cs.isDirectory()) await walk(childAbs, childRel);
      }
    };
    await walk(abs, name);
  }
  return { abs, name, dir, kind: st.isDirectory() ? 'folder' : 'file', entries, bytes, rootId: idOf(st) };
}

/** True when nothing listed changed since `tree` was read (same entries, same identity and version). */
export async function unchanged(tree: SourceTree, opts: { allowSparse?: boolean } = {}): Promise<boolean> {
  try {
    const again = await readSourceTree(tree.abs, { allowSparse: opts.allowSparse ?? true });
    if (again.entries.length !== tree.entries.length) return false;
    return again.entries.every(
      (e, i) => e.path === tree.entries[i]?.path && e.stamp === tree.entries[i]?.stamp,
    );
  } catch {
    return false;
  }
}

export const isInside = (child: string, parent: string): boolean =>
  child === parent || child.startsWith(parent.endsWith(sep) ? parent : parent + sep);
