/**
 * The one atomic file writer. Guarantees: after a crash at any point a file is either absent, the complete
 * old version or the complete new version (temp file in the same directory → write → fsync(2) → rename(2)
 * or link(2) → fsync of the directory); files are 0600 and the directories this module creates 0700
 * regardless of the process umask (explicit fchmod / chmod after creation); `createFileExclusive` never
 * replaces an existing file (link(2) fails with EEXIST), so two racing first runs cannot overwrite each
 * other's keys. Every failure goes through the caller's `fail` factory (its own stable code).
 * Only ever used for ciphertext, sealed blobs, MACed state and public files: plaintext secrets never touch
 * the disk (the CLI's model keys are the vendor's explicit output).
 */
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { chmod, link, mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, sep } from 'node:path';
import { isErrno } from './fs-errors.ts';

export const PRIVATE_FILE_MODE = 0o600;
export const PRIVATE_DIR_MODE = 0o700;

/** The caller's error for a failed write / directory creation (cause: the node:fs error). */
export type WriteFailure = (cause: unknown) => Error;

export interface WriteOptions {
  readonly fail: WriteFailure;
  /** File mode (default 0600); e.g. 0644 for a public key the vendor hands out. Applied regardless of umask. */
  readonly mode?: number;
}

/** Validates a data directory option: absolute, non-empty, no NUL. */
export function assertDataDir(dataDir: unknown): asserts dataDir is string {
  if (typeof dataDir !== 'string' || dataDir.length === 0 || dataDir.includes('\0') || !isAbsolute(dataDir)) {
    throw new TypeError('dataDir must be an absolute path');
  }
}

/**
 * Creates `dir` (and missing parents) with mode 0700 whatever the umask; an existing directory is left as
 * it is (its owner chose its mode). Refuses a path that exists and is not a directory.
 */
export async function ensurePrivateDir(dir: string, fail: WriteFailure): Promise<void> {
  try {
    const first = await mkdir(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
    if (first !== undefined) {
      // mkdir's mode is masked by the umask; set it on every directory this call created.
      const created = relative(first, dir)
        .split(sep)
        .filter((s) => s.length > 0);
      let p = first;
      await chmod(p, PRIVATE_DIR_MODE);
      for (const part of created) {
        p = join(p, part);
        await chmod(p, PRIVATE_DIR_MODE);
      }
    }
    const st = await stat(dir);
    if (!st.isDirectory()) throw new Error('not a directory');
  } catch (cause) {
    throw fail(cause);
  }
}

async function fsyncDir(dir: string): Promise<void> {
  const fh = await open(dir, constants.O_RDONLY);
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

async function writeTemp(path: string, data: Uint8Array, mode: number): Promise<string> {
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  const fh = await open(
    tmp,
    constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | (constants.O_NOFOLLOW ?? 0),
    mode,
  );
  try {
    await fh.writeFile(data);
    await fh.chmod(mode); // open's mode is masked by the umask: make it exact
    await fh.sync();
  } catch (e) {
    await fh.close();
    await rm(tmp, { force: true });
    throw e;
  }
  await fh.close();
  return tmp;
}

/** Atomically replaces (or creates) `path`. */
export async function writeFileAtomic(path: string, data: Uint8Array, o: WriteOptions): Promise<void> {
  try {
    const tmp = await writeTemp(path, data, o.mode ?? PRIVATE_FILE_MODE);
    try {
      await rename(tmp, path);
    } catch (e) {
      await rm(tmp, { force: true });
      throw e;
    }
    await fsyncDir(dirname(path));
  } catch (cause) {
    throw o.fail(cause);
  }
}

/** Atomically creates `path`; returns false (and writes nothing) if it already exists. */
export async function createFileExclusive(path: string, data: Uint8Array, o: WriteOptions): Promise<boolean> {
  let tmp: string | undefined;
  try {
    tmp = await writeTemp(path, data, o.mode ?? PRIVATE_FILE_MODE);
    try {
      await link(tmp, path);
    } catch (e) {
      if (isErrno(e, 'EEXIST')) return false;
      throw e;
    }
    await fsyncDir(dirname(path));
    return true;
  } catch (cause) {
    throw o.fail(cause);
  } finally {
    if (tmp !== undefined) await rm(tmp, { force: true });
  }
}

/** Removes `path` if present and makes the removal durable (fsync of the directory). */
export async function removeFileDurably(path: string, fail: WriteFailure): Promise<void> {
  try {
    await rm(path, { force: true });
    await fsyncDir(dirname(path));
  } catch (cause) {
    throw fail(cause);
  }
}

/**
 * Overwrites a file in place with random bytes, fsyncs it, then removes it durably; absent is fine
 * (idempotent). On SSDs and copy-on-write file systems the overwrite is best effort — which is why only
 * ciphertext is ever stored.
 */
export async function overwriteAndRemove(path: string, fail: WriteFailure): Promise<void> {
  try {
    const fh = await open(path, constants.O_RDWR | (constants.O_NOFOLLOW ?? 0));
    try {
      const st = await fh.stat();
      if (st.isFile()) {
        await fh.write(new Uint8Array(randomBytes(st.size)), 0, st.size, 0);
        await fh.sync();
      }
    } finally {
      await fh.close();
    }
  } catch (e) {
    if (!isErrno(e, 'ENOENT')) throw fail(e);
  }
  await removeFileDurably(path, fail);
}

/** True when `path` exists (stat(2): a link counts by its target); other errors go to `fail`. */
export async function pathExists(path: string, fail: WriteFailure): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (e) {
    if (isErrno(e, 'ENOENT')) return false;
    throw fail(e);
  }
}
