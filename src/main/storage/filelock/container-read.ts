/**
 * Reading a container without changing it: its header and exact length (no key needed), its metadata
 * (only chunk 0 is decrypted, tag-checked before use), its size. Guarantees: a symbolic link is refused
 * (FILELOCK_SYMLINK, O_NOFOLLOW), anything but a regular file is refused (FILELOCK_NOT_REGULAR), a header
 * or length that does not check is a typed error (container-format.ts `parseHeader`); the file key is
 * wiped as soon as the stream cipher holds it.
 */
import { constants } from 'node:fs';
import { open, stat, type FileHandle } from 'node:fs/promises';
import { resolve } from 'node:path';
import { StreamAead, TAG_BYTES } from '../../crypto/stream-aead.ts';
import {
  chunkCount,
  decodeMeta,
  HEADER_BYTES,
  parseHeader,
  streamAd,
  unwrapFileKey,
  type ContainerHeader,
  type ContainerMeta,
} from '../../filelock/container-format.ts';
import { FileLockError, fromOsError } from '../../filelock/errors.ts';
import type { FileLockKeys } from '../../filelock/vault-key.ts';
import { integrityFailure } from './engine-common.ts';
import { readExactly } from './engine-io.ts';

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

/** Size of a container on disk (for the list when the vault is locked). */
export async function containerSize(path: string): Promise<number | null> {
  try {
    return (await stat(path)).size;
  } catch {
    return null;
  }
}
