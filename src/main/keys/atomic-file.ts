/**
 * Small-file persistence for key material containers (sealed TPM blobs, the wrapped device identity).
 * Guarantees: a file is either absent, the complete old version or the complete new version (temp file in
 * the same directory, fsync, rename / link, fsync of the directory); files are created with mode 0600 and
 * the data directory, when we create it, with 0700; `createExclusive` never replaces an existing file
 * (link(2) fails with EEXIST), so two racing first runs cannot overwrite each other's keys.
 * Only ever used for ciphertext / sealed blobs: plaintext secrets never touch the disk.
 */
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { link, mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join } from 'node:path';
import { KEY_MESSAGES, KeyStoreIoError } from './key-errors.ts';

const FILE_MODE = 0o600;
const DIR_MODE = 0o700;

/** Validates a data directory option: absolute, non-empty, no NUL. */
export function assertDataDir(dataDir: unknown): asserts dataDir is string {
  if (typeof dataDir !== 'string' || dataDir.length === 0 || dataDir.includes('\0') || !isAbsolute(dataDir)) {
    throw new TypeError('dataDir must be an absolute path');
  }
}

export async function ensureDataDir(dataDir: string): Promise<void> {
  try {
    await mkdir(dataDir, { recursive: true, mode: DIR_MODE });
    const st = await stat(dataDir);
    if (!st.isDirectory()) throw new Error('not a directory');
  } catch (cause) {
    throw new KeyStoreIoError(KEY_MESSAGES.fileIo, { cause });
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

async function writeTemp(path: string, data: Uint8Array): Promise<string> {
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  const fh = await open(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, FILE_MODE);
  try {
    await fh.writeFile(data);
    await fh.chmod(FILE_MODE); // umask cannot widen it, but be explicit
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
export async function writeFileAtomic(path: string, data: Uint8Array): Promise<void> {
  try {
    const tmp = await writeTemp(path, data);
    try {
      await rename(tmp, path);
    } catch (e) {
      await rm(tmp, { force: true });
      throw e;
    }
    await fsyncDir(dirname(path));
  } catch (cause) {
    throw new KeyStoreIoError(KEY_MESSAGES.fileIo, { cause });
  }
}

/** Atomically creates `path`; returns false (and writes nothing) if it already exists. */
export async function createExclusive(path: string, data: Uint8Array): Promise<boolean> {
  let tmp: string | undefined;
  try {
    tmp = await writeTemp(path, data);
    try {
      await link(tmp, path);
    } catch (e) {
      if (isErrno(e, 'EEXIST')) return false;
      throw e;
    }
    await fsyncDir(dirname(path));
    return true;
  } catch (cause) {
    throw new KeyStoreIoError(KEY_MESSAGES.fileIo, { cause });
  } finally {
    if (tmp !== undefined) await rm(tmp, { force: true });
  }
}

/** Reads a small file; null when absent. Rejects files larger than `maxBytes` as damaged. */
export async function readSmallFile(path: string, maxBytes: number): Promise<Uint8Array | null> {
  try {
    const st = await stat(path);
    if (!st.isFile() || st.size > maxBytes) {
      throw new KeyStoreIoError(KEY_MESSAGES.identityDamaged);
    }
    return new Uint8Array(await readFile(path));
  } catch (e) {
    if (isErrno(e, 'ENOENT')) return null;
    if (e instanceof KeyStoreIoError) throw e;
    throw new KeyStoreIoError(KEY_MESSAGES.fileIo, { cause: e });
  }
}

export async function fileExists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (e) {
    if (isErrno(e, 'ENOENT')) return false;
    throw new KeyStoreIoError(KEY_MESSAGES.fileIo, { cause: e });
  }
}

export async function removeFile(path: string): Promise<void> {
  try {
    await rm(path, { force: true });
    await fsyncDir(dirname(path));
  } catch (cause) {
    throw new KeyStoreIoError(KEY_MESSAGES.fileIo, { cause });
  }
}

export function isErrno(e: unknown, code: string): boolean {
  return typeof e === 'object' && e !== null && 'code' in e && e.code === code;
}
