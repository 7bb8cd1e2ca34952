/**
 * Face templates at rest: the enrolment embeddings encrypted with XChaCha20-Poly1305 (draft-irtf-cfrg-xchacha,
 * RFC 8439 AEAD; @noble/ciphers) under a caller-supplied 32-byte template key (the device-bound
 * `deriveKey('template')`). File layout: "FVT1" | nonce (24) | ciphertext+tag; the AAD binds magic and user
 * id, so a template copied to another user's slot fails. Plaintext: u16 dim | u16 count | f32le[count·dim]
 * [| u16 n | n bytes of UTF-8 JSON enrolment record (issue 12: strictness level and pinned camera at
 * enrolment, so a later downgrade or camera change is visible; authenticated with the embeddings)],
 * wiped after use. Files without the record (written before it existed) open with `record: null`. Delete overwrites the file in place before unlinking; on SSDs / copy-on-write file
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

/** Caller-defined JSON stored with the embeddings (at most 4 KiB), e.g. the liveness enrolment record. */
export type TemplateRecord = Readonly<Record<string, unknown>>;
const MAX_RECORD = 4096;

export function sealTemplate(
  embeddings: readonly Float32Array[],
  userId: string,
  key: Uint8Array,
  record?: TemplateRecord,
): Uint8Array {
  assertUserId(userId);
  assertKey(key);
  const dim = embeddings[0]?.length ?? 0;
  if (dim === 0 || dim > 0xffff || embeddings.length > 64 || embeddings.some((e) => e.length !== dim)) {
    throw new RangeError('a template needs 1-64 embeddings of one length 1-65535');
  }
  const rec = record === undefined ? new Uint8Array(0) : new TextEncoder().encode(JSON.stringify(record));
  if (rec.length > MAX_RECORD) throw new RangeError(`template record exceeds ${MAX_RECORD} bytes`);
  const body = 4 + 4 * dim * embeddings.length;
  const plain = new Uint8Array(body + (record === undefined ? 0 : 2 + rec.length));
  const view = new DataView(plain.buffer);
  view.setUint16(0, dim, true);
  view.setUint16(2, embeddings.length, true);
  embeddings.forEach((e, k) => e.forEach((v, i) => view.setFloat32(4 + 4 * (k * dim + i), v, true)));
  if (record !== undefined) {
    view.setUint16(body, rec.length, true);
    plain.set(rec, body + 2);
  }
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
  return openTemplateWithRecord(blob, userId, key).embeddings;
}

export function openTemplateWithRecord(
  blob: Uint8Array,
  userId: string,
  key: Uint8Array,
): { embeddings: Float32Array[]; record: TemplateRecord | null } {
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
    const body = 4 + 4 * dim * count;
    if (dim === 0 || count === 0 || plain.length < body)
      throw new TemplateCorruptError('face template has an invalid layout');
    let record: TemplateRecord | null = null;
    if (plain.length !== body) {
      const n = plain.length >= body + 2 ? view.getUint16(body, true) : -1;
      if (n < 0 || plain.length !== body + 2 + n)
        throw new TemplateCorruptError('face template has an invalid layout');
      try {
        const parsed: unknown = JSON.parse(
          new TextDecoder('utf-8', { fatal: true }).decode(plain.subarray(body + 2)),
        );
        if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
          throw new Error('not an object');
        record = parsed as TemplateRecord; // shape checked by its reader (liveness/enrolment-record.ts)
      } catch {
        throw new TemplateCorruptError('face template record is invalid');
      }
    }
    const embeddings = Array.from({ length: count }, (_, k) =>
      Float32Array.from({ length: dim }, (_, i) => view.getFloat32(4 + 4 * (k * dim + i), true)),
    );
    return { embeddings, record };
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

  async save(
    userId: string,
    embeddings: readonly Float32Array[],
    key: Uint8Array,
    record?: TemplateRecord,
  ): Promise<void> {
    await ensurePrivateDir(this.dir, save);
    await writeFileAtomic(this.path(userId), sealTemplate(embeddings, userId, key, record), { fail: save });
  }

  /** The record stored with the embeddings (null for none, or no template). */
  async loadRecord(userId: string, key: Uint8Array): Promise<TemplateRecord | null> {
    const blob = await readBoundedFileIfExists(this.path(userId), READ);
    if (blob === null) return null;
    const { embeddings, record } = openTemplateWithRecord(blob, userId, key);
    for (const e of embeddings) e.fill(0);
    return record;
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
