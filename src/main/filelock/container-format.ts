/**
 * The locked-file container, format v1 (docs/filelock-format.md). Pure: bytes in, bytes out; no I/O.
 *
 *   container = header (140 B) ‖ STREAM body
 *   body      = STREAM_XChaCha20-Poly1305(fileKey, nonceBase, AD = SHA-256(header)) over the payload
 *   payload   = LE32(metaLength) ‖ meta (UTF-8 JSON) ‖ archive (tree-archive.ts) ‖ zero padding
 *   fileKey   = random 32 B, wrapped: XChaCha20-Poly1305(wrapKey, wrapNonce, AD = header[0..92))
 *
 * Guarantees of `parseHeader`: every field is range-checked before use, the container's exact length is
 * implied by the header and checked against the file's size (truncation and trailing bytes are refused
 * before any key is touched), and unknown versions / algorithms are FILELOCK_UNSUPPORTED, not guessed.
 * Padding follows Padmé (Nikitin et al., "Reducing Metadata Leakage from Encrypted Files and
 * Communication with PURBs", PoPETs 2019 §4): the padded length leaks O(log log L) bits of the size,
 * overhead ≤ 12 %; payloads under 4 KiB are padded to 4 KiB.
 */
import { randomBytes } from 'node:crypto';
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { z } from 'zod';
import { NONCE_BASE_BYTES, TAG_BYTES } from '../crypto/stream-aead.ts';
import { FileLockError } from './errors.ts';

export const MAGIC = new TextEncoder().encode('FVLOCKED');
export const FORMAT_VERSION = 1;
export const HEADER_BYTES = 140;
export const AEAD_XCHACHA_STREAM = 1;
export const WRAP_HKDF_XCHACHA = 1;
export const DEFAULT_CHUNK_BYTES = 1 << 20;
export const MIN_CHUNK_BYTES = 4096;
export const MAX_CHUNK_BYTES = 16 << 20;
/** STREAM's chunk index is 32 bits (stream-aead.ts chunkNonce). */
export const MAX_CHUNKS = 0xffffffff;
export const MIN_PADDED_BYTES = 4096;
/** The meta record must fit in the first chunk (so the name is readable after one chunk). */
export const META_MAX_BYTES = 2048;
export const CONTAINER_SUFFIX = '.fvlock';
const WRAP_AD_END = 92;

export interface ContainerHeader {
  readonly chunkSize: number;
  /** Payload bytes (meta + archive + padding) = plaintext of the STREAM. */
  readonly streamLength: number;
  readonly vaultKeyId: Uint8Array;
  readonly nonceBase: Uint8Array;
  readonly wrapNonce: Uint8Array;
  readonly wrappedKey: Uint8Array;
  /** The 140 header bytes as stored (their SHA-256 is the body's AD). */
  readonly bytes: Uint8Array;
}

export const chunkCount = (streamLength: number, chunkSize: number): number =>
  Math.max(1, Math.ceil(streamLength / chunkSize));

export const containerLength = (streamLength: number, chunkSize: number): number =>
  HEADER_BYTES + streamLength + TAG_BYTES * chunkCount(streamLength, chunkSize);

/** Padmé(L) (PURBs §4.2), with a 4 KiB floor: the length every payload is padded to. */
export function paddedLength(unpadded: number): number {
  if (!Number.isSafeInteger(unpadded) || unpadded < 0) throw new RangeError('length out of range');
  const l = Math.max(unpadded, MIN_PADDED_BYTES);
  const e = Math.floor(Math.log2(l));
  const s = Math.floor(Math.log2(e)) + 1;
  const lastBits = e - s;
  const step = 2 ** lastBits;
  return Math.ceil(l / step) * step;
}

/** The metadata record: what the app shows and how to restore. Lives only inside the encrypted payload. */
export const metaSchema = z.strictObject({
  v: z.literal(1),
  kind: z.enum(['file', 'folder']),
  /** The original name (one path component). */
  name: z.string().min(1).max(255),
  /** Sum of the file sizes inside (what the user thinks of as the size). */
  bytes: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  entries: z.number().int().min(1).max(10_000_000),
  /** Length of the archive that follows the meta record. */
  archiveBytes: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
  lockedAt: z.number().int().min(0),
});
export type ContainerMeta = z.infer<typeof metaSchema>;

export function encodeMeta(meta: ContainerMeta): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(metaSchema.parse(meta)));
  if (json.length > META_MAX_BYTES) throw new FileLockError('FILELOCK_UNSUPPORTED', 'name too long to store');
  const out = new Uint8Array(4 + json.length);
  new DataView(out.buffer).setUint32(0, json.length, true);
  out.set(json, 4);
  return out;
}

/** Parses the meta record from the start of the payload; returns it and its encoded length. */
export function decodeMeta(payloadStart: Uint8Array): { meta: ContainerMeta; length: number } {
  if (payloadStart.length < 4) throw malformed('payload too short for its metadata');
  const n = new DataView(payloadStart.buffer, payloadStart.byteOffset, 4).getUint32(0, true);
  if (n < 2 || n > META_MAX_BYTES || 4 + n > payloadStart.length)
    throw malformed('metadata length out of range');
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(payloadStart.subarray(4, 4 + n)));
  } catch (cause) {
    throw malformed('metadata is not UTF-8 JSON', cause);
  }
  const r = metaSchema.safeParse(parsed);
  if (!r.success) throw malformed(`metadata invalid: ${r.error.issues[0]?.message ?? 'schema'}`);
  return { meta: r.data, length: 4 + n };
}

const malformed = (why: string, cause?: unknown) =>
  new FileLockError(
    'FILELOCK_MALFORMED',
    `not a complete FaceVault locked file (${why}); it was not changed`,
    { cause },
  );

/** Creates a header for a new container, wrapping the fresh `fileKey` under `wrapKey`. */
export function buildHeader(o: {
  chunkSize: number;
  streamLength: number;
  vaultKeyId: Uint8Array;
  wrapKey: Uint8Array;
  fileKey: Uint8Array;
}): ContainerHeader {
  checkChunkSize(o.chunkSize);
  if (!Number.isSafeInteger(o.streamLength) || o.streamLength < 0) throw new RangeError('stream length');
  if (chunkCount(o.streamLength, o.chunkSize) > MAX_CHUNKS)
    throw new FileLockError('FILELOCK_UNSUPPORTED', 'too large for one container');
  if (o.vaultKeyId.length !== 16 || o.fileKey.length !== 32 || o.wrapKey.length !== 32)
    throw new RangeError('key sizes');
  const h = new Uint8Array(HEADER_BYTES);
  const dv = new DataView(h.buffer);
  h.set(MAGIC, 0);
  dv.setUint16(8, FORMAT_VERSION, true);
  dv.setUint16(10, HEADER_BYTES, true);
  h[12] = AEAD_XCHACHA_STREAM;
  h[13] = WRAP_HKDF_XCHACHA;
  dv.setUint32(16, o.chunkSize, true);
  dv.setBigUint64(20, BigInt(o.streamLength), true);
  h.set(o.vaultKeyId, 28);
  const nonceBase = new Uint8Array(randomBytes(NONCE_BASE_BYTES));
  const wrapNonce = new Uint8Array(randomBytes(24));
  h.set(nonceBase, 44);
  h.set(wrapNonce, 68);
  const wrapped = xchacha20poly1305(o.wrapKey, wrapNonce, h.subarray(0, WRAP_AD_END)).encrypt(o.fileKey);
  h.set(wrapped, WRAP_AD_END);
  return fieldsOf(h);
}

function fieldsOf(h: Uint8Array): ContainerHeader {
  const dv = new DataView(h.buffer, h.byteOffset, h.byteLength);
  return {
    chunkSize: dv.getUint32(16, true),
    streamLength: Number(dv.getBigUint64(20, true)),
    vaultKeyId: h.slice(28, 44),
    nonceBase: h.slice(44, 68),
    wrapNonce: h.slice(68, 92),
    wrappedKey: h.slice(92, 140),
    bytes: h,
  };
}

function checkChunkSize(n: number): void {
  if (!Number.isInteger(n) || n < MIN_CHUNK_BYTES || n > MAX_CHUNK_BYTES)
    throw new RangeError('chunk size out of range');
}

/** Validates a header read from a file of `fileSize` bytes (see module comment for the order). */
export function parseHeader(bytes: Uint8Array, fileSize: number): ContainerHeader {
  if (bytes.length < HEADER_BYTES || fileSize < HEADER_BYTES) throw malformed('shorter than a header');
  const h = bytes.slice(0, HEADER_BYTES);
  for (let i = 0; i < MAGIC.length; i++) if (h[i] !== MAGIC[i]) throw malformed('no FVLOCKED magic');
  const dv = new DataView(h.buffer);
  const version = dv.getUint16(8, true);
  if (version !== FORMAT_VERSION) {
    throw new FileLockError(
      'FILELOCK_UNSUPPORTED',
      `locked with format version ${version}; this FaceVault reads version ${FORMAT_VERSION}. Update FaceVault to open it.`,
    );
  }
  if (dv.getUint16(10, true) !== HEADER_BYTES) throw malformed('header length');
  if (h[12] !== AEAD_XCHACHA_STREAM || h[13] !== WRAP_HKDF_XCHACHA || h[14] !== 0 || h[15] !== 0) {
    throw new FileLockError('FILELOCK_UNSUPPORTED', 'unknown algorithm or flags in the locked file');
  }
  const f = fieldsOf(h);
  if (f.chunkSize < MIN_CHUNK_BYTES || f.chunkSize > MAX_CHUNK_BYTES)
    throw malformed('chunk size out of range');
  if (!Number.isSafeInteger(f.streamLength) || f.streamLength < MIN_PADDED_BYTES)
    throw malformed('payload length out of range');
  if (chunkCount(f.streamLength, f.chunkSize) > MAX_CHUNKS) throw malformed('too many chunks');
  const expected = containerLength(f.streamLength, f.chunkSize);
  if (fileSize < expected) throw malformed(`truncated: ${fileSize} of ${expected} bytes`);
  if (fileSize > expected) throw malformed(`${fileSize - expected} unexpected bytes after the end`);
  return f;
}

/** Unwraps the file key; a failure means another vault key or a modified header. */
export function unwrapFileKey(h: ContainerHeader, wrapKey: Uint8Array, vaultKeyId: Uint8Array): Uint8Array {
  if (!equalBytes(h.vaultKeyId, vaultKeyId)) {
    throw new FileLockError(
      'FILELOCK_WRONG_VAULT',
      'this file was locked by another FaceVault vault (another user or an earlier setup); it was not changed',
    );
  }
  try {
    return xchacha20poly1305(wrapKey, h.wrapNonce, h.bytes.subarray(0, WRAP_AD_END)).decrypt(h.wrappedKey);
  } catch (cause) {
    throw new FileLockError(
      'FILELOCK_INTEGRITY',
      'the locked file’s header was modified (its key does not open); it was not changed',
      { cause },
    );
  }
}

/** The STREAM associated data: SHA-256 of the whole stored header. */
export const streamAd = (h: ContainerHeader): Uint8Array => sha256(h.bytes);

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= (a[i] ?? 0) ^ (b[i] ?? 0);
  return d === 0;
}
