/**
 * The key store's files (the wrapped device identity, the sealed TPM blob) through the storage concern,
 * with every failure reported as a key-store error: a file that is not a regular file, a symlink, too large
 * or changing while read is `damaged` (the caller says which file: identity or TPM blob); any other I/O
 * failure is KEY_MESSAGES.fileIo. Paths never appear in the messages (KEY_MESSAGES rules).
 */
import { readBoundedFileIfExists } from '../storage/bounded-read.ts';
import {
  createFileExclusive,
  ensurePrivateDir,
  pathExists,
  removeFileDurably,
} from '../storage/atomic-write.ts';
import { KEY_MESSAGES, KeyStoreIoError } from './key-errors.ts';

export { assertDataDir } from '../storage/atomic-write.ts';

const ioError = (cause: unknown): Error => new KeyStoreIoError(KEY_MESSAGES.fileIo, { cause });

/** Reads a key file of at most `maxBytes`; null when absent. */
export async function readKeyFile(
  path: string,
  maxBytes: number,
  damaged: string,
): Promise<Uint8Array | null> {
  const buf = await readBoundedFileIfExists(path, {
    maxBytes,
    symlinks: 'refuse',
    refuse: (why) =>
      why.kind === 'io' ? new KeyStoreIoError(KEY_MESSAGES.fileIo) : new KeyStoreIoError(damaged),
  });
  // A plain Uint8Array view (the reader's buffer is unpooled and starts at offset 0): key code compares bytes.
  return buf === null ? null : new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}

export const ensureKeyDir = (dir: string): Promise<void> => ensurePrivateDir(dir, ioError);
export const createKeyFileExclusive = (path: string, data: Uint8Array): Promise<boolean> =>
  createFileExclusive(path, data, { fail: ioError });
export const removeKeyFile = (path: string): Promise<void> => removeFileDurably(path, ioError);
export const keyFileExists = (path: string): Promise<boolean> => pathExists(path, ioError);
