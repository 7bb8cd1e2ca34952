/**
 * Face templates at rest: the enrolment embeddings encrypted with XChaCha20-Poly1305 (draft-irtf-cfrg-xchacha,
 * RFC 8439 AEAD; @noble/ciphers) under a caller-supplied 32-byte template key (the device-bound
 * `deriveKey('template')`). File layout: "FVT1" | nonce (24) | ciphertext+tag; the AAD binds magic and user
 * id, so a template copied to another user's slot fails. Plaintext: u16 dim | u16 count | f32le[count·dim],
 * wiped after use. Delete overwrites the file in place before unlinking; on SSDs / copy-on-write file
 * systems that is best effort, which is why templates are only ever stored encrypted.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import {
  describeRefusal,
  readBoundedFileIfExists,
  type BoundedReadOptions,
} from '../storage/bounded-read.ts';
import { ensurePrivateDir, overwriteAndRemove, writeFileAtomic } from '../storage/atomic-write.ts';
import { cannotSave } from '../storage/storage-errors.ts';
import { TemplateCorruptError } from './errors.ts';

const MAGIC = new TextEncoder().encode('FVT1');
const NONCE = 24;
const TAG = 16;
const MAX_FILE = 256 * 1024;
const save = cannotSave('the face template');
const READ: BoundedReadOptions = {
  maxBytes: MAX_FILE,
  symlinks: 'refuse',
  refuse: (why) => new TemplateCorruptError(`face template ${describeRefusal(why)}`),
};

export const assertUserId = (userId: string): void => {
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(userId))
    throw new RangeError('userId must be 1-64 characters of [A-Za-z0-9_-]');
};

const assertKey = (key: Uint8Array): void => {
  if (!(key instanceof Uint8Array) || key.length !== 32)
    throw new RangeError(`template key must be 32 bytes, got ${key?.length}`);
};

const aadFor = (userId: string): Uint8Array => {
  const id = new TextEncoder().encode(userId);
  const aad = new Uint8Array(MAGIC.length + id.length);
  aad.set(MAGIC);
  aad.set(id, MAGIC.length);
  return aad;
};

export function sealTemplate(
  embeddings: readonly Float32Array[],
  userId: string,
  key: Uint8Array,
): Uint8Array {
  assertUserId(userId);
  assertKey(key);
  const dim = embeddings[0]?.length ?? 0;
  if (dim === 0 || dim > 0xffff || embeddings.length > 64 || embeddings.some((e) => e.length !== dim)) {
    throw new RangeError('a template needs 1-64 embeddings of one length 1-65535');
  }
  const plain = new Uint8Array(4 + 4 * dim * embeddings.length);
  const view = new DataView(plain.buffer);
  view.setUint16(0, dim, true);
  view.setUint16(2, embeddings.length, true);
  embeddings.forEach((e, k) => e.forEach((v, i) => view.setFloat32(4 + 4 * (k * dim + i), v, true)));
  try {
    const nonce = new Uint8Array(randomBytes(NONCE));
    const ct = xchacha20poly1305(key, nonce, aadFor(userId)).encrypt(plain);
    const out = new Uint8Array(MAGIC.length + NONCE + ct.length);
    out.set(MAGIC);
    out.set(nonce, MAGIC.length);
    out.set(ct, MAGIC.length + NONCE);
    return out;
  } finally {
    plain.fill(0);
  }
}

export function openTemplate(blob: Uint8Array, userId: string, key: Uint8Array): Float32Array[] {
  assertUserId(userId);
  assertKey(key);
  if (blob.length < MAGIC.length + NONCE + TAG + 4 || !MAGIC.every((b, i) => blob[i] === b)) {
    throw new TemplateCorruptError('face template file is malformed');
  }
  let plain: Uint8Array;
  try {
    plain = xchacha20poly1305(key, blob.subarray(MAGIC.length, MAGIC.length + NONCE), aadFor(userId)).decrypt(
      blob.subarray(MAGIC.length + NONCE),
    );
  } catch {
    throw new TemplateCorruptError(); // wrong key, other user's slot, or tampered bytes: indistinguishable by design
  }
  try {
    const view = new DataView(plain.buffer, plain.byteOffset, plain.byteLength);
    const dim = view.getUint16(0, true),
      count = view.getUint16(2, true);
    if (dim === 0 || count === 0 || plain.length !== 4 + 4 * dim * count)
      throw new TemplateCorruptError('face template has an invalid layout');
    return Array.from({ length: count }, (_, k) =>
      Float32Array.from({ length: dim }, (_, i) => view.getFloat32(4 + 4 * (k * dim + i), true)),
    );
  } finally {
    plain.fill(0);
  }
}

/** Template files in one directory, one per user. */
export class TemplateVault {
  readonly dir: string;
  constructor(dir: string) {
    this.dir = dir;
  }

  private path(userId: string): string {
    assertUserId(userId);
    return join(this.dir, `template-${userId}.fvt`);
  }

  async save(userId: string, embeddings: readonly Float32Array[], key: Uint8Array): Promise<void> {
    await ensurePrivateDir(this.dir, save);
    await writeFileAtomic(this.path(userId), sealTemplate(embeddings, userId, key), { fail: save });
  }

  /** The enrolment embeddings, or null when the user has none. */
  async load(userId: string, key: Uint8Array): Promise<Float32Array[] | null> {
    const blob = await readBoundedFileIfExists(this.path(userId), READ);
    return blob === null ? null : openTemplate(blob, userId, key);
  }

  async exists(userId: string): Promise<boolean> {
    return (await readBoundedFileIfExists(this.path(userId), READ)) !== null;
  }

  /** Overwrites the ciphertext in place with random bytes, syncs, then unlinks. Idempotent. */
  async delete(userId: string): Promise<void> {
    await overwriteAndRemove(this.path(userId), cannotSave('the face template deletion'));
  }
}
