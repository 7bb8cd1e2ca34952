/**
 * Bundle format v1 header codec (spec: docs/bundle-format.md §Header).
 *
 * Guarantees of `parseBundleHeader`: it reads at most HEADER_MAX_BYTES, validates magic → version →
 * algorithm ids → every fixed field's range → every variable field's length and charset → descriptor
 * schema, and requires that the fields end exactly at `headerLength`. Nothing is allocated from an
 * untrusted length before that length is bounded. Unknown version / algorithm / flag → BundleUnsupportedError,
 * anything else wrong → BundleMalformedError. Encoding is the exact inverse (round-trip stable).
 */
import { BundleMalformedError, BundleUnsupportedError } from './errors.ts';
import {
  DESCRIPTOR_MAX_BYTES,
  encodeDescriptor,
  parseDescriptor,
  type PreprocessingDescriptor,
  type PreprocessingDescriptorInput,
} from './descriptor.ts';
import { copyBytes } from '../bytes.ts';

export const BUNDLE_MAGIC = new Uint8Array([0x46, 0x56, 0x42, 0x55, 0x4e, 0x44, 0x4c, 0x45]); // "FVBUNDLE"
export const BUNDLE_FORMAT_VERSION = 1;
export const AEAD_XCHACHA20POLY1305_STREAM = 1;
export const SIG_ED25519_SHA256 = 1;
export const HASH_SHA256 = 1;

export const FIXED_HEADER_BYTES = 116;
export const HEADER_MAX_BYTES = 8192;
export const CHUNK_SIZE_MIN = 16;
export const CHUNK_SIZE_MAX = 16 * 1024 * 1024;
export const DEFAULT_CHUNK_SIZE = 256 * 1024;
/** Absolute cap on plaintext size (the caller may impose a lower one). */
export const PLAINTEXT_SIZE_MAX = 2 ** 31 - 1;
export const TAG_BYTES = 16;
export const SIGNATURE_BYTES = 64;
export const KEY_ID_BYTES = 16;
export const NONCE_BASE_BYTES = 24;

const MODEL_ID_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const MODEL_VERSION_RE = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,31}$/;
const FAMILY_RE = /^[a-z0-9][a-z0-9_-]{0,31}$/;

export interface BundleHeaderFields {
  readonly chunkSize: number;
  readonly plaintextSize: number;
  readonly plaintextSha256: Uint8Array;
  /** Random 16 bytes naming the model key; licences reference it. */
  readonly keyId: Uint8Array;
  /** First 16 bytes of SHA-256(domain ‖ vendor public key), see signature.ts. */
  readonly signerKeyId: Uint8Array;
  readonly nonceBase: Uint8Array;
  readonly modelId: string;
  readonly modelVersion: string;
  readonly family: string;
  readonly descriptor: PreprocessingDescriptor;
}

/** What the writer supplies: the descriptor before defaults are applied. */
export type BundleHeaderInit = Omit<BundleHeaderFields, 'descriptor'> & {
  readonly descriptor: PreprocessingDescriptorInput;
};

export interface BundleHeader extends BundleHeaderFields {
  readonly formatVersion: number;
  readonly aeadAlg: number;
  readonly sigAlg: number;
  readonly hashAlg: number;
  /** Exact header bytes (signed, and hashed into the AEAD associated data). */
  readonly bytes: Uint8Array;
  readonly headerLength: number;
  readonly chunkCount: number;
  readonly bodyLength: number;
  readonly totalLength: number;
}

/** Number of STREAM chunks: an empty model still has one (final, empty) chunk. */
export function chunkCountFor(plaintextSize: number, chunkSize: number): number {
  return plaintextSize === 0 ? 1 : Math.ceil(plaintextSize / chunkSize);
}

function checkBytes(name: string, v: Uint8Array, len: number): void {
  if (!(v instanceof Uint8Array) || v.length !== len)
    throw new BundleMalformedError(`${name} must be ${len} bytes`);
}

function checkFields(f: BundleHeaderInit): void {
  if (!Number.isInteger(f.chunkSize) || f.chunkSize < CHUNK_SIZE_MIN || f.chunkSize > CHUNK_SIZE_MAX) {
    throw new BundleMalformedError(`chunk size out of range [${CHUNK_SIZE_MIN}, ${CHUNK_SIZE_MAX}]`);
  }
  if (!Number.isSafeInteger(f.plaintextSize) || f.plaintextSize < 0 || f.plaintextSize > PLAINTEXT_SIZE_MAX) {
    throw new BundleMalformedError('plaintext size out of range');
  }
  checkBytes('plaintext SHA-256', f.plaintextSha256, 32);
  checkBytes('key id', f.keyId, KEY_ID_BYTES);
  checkBytes('signer key id', f.signerKeyId, KEY_ID_BYTES);
  checkBytes('nonce base', f.nonceBase, NONCE_BASE_BYTES);
  if (!MODEL_ID_RE.test(f.modelId))
    throw new BundleMalformedError('model id must match ' + MODEL_ID_RE.source);
  if (!MODEL_VERSION_RE.test(f.modelVersion)) {
    throw new BundleMalformedError('model version must match ' + MODEL_VERSION_RE.source);
  }
  if (!FAMILY_RE.test(f.family)) throw new BundleMalformedError('family must match ' + FAMILY_RE.source);
}

const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);

/** Serialises a header. Validates every field with the same rules the parser applies. */
export function encodeBundleHeader(f: BundleHeaderInit): Uint8Array {
  checkFields(f);
  const id = ascii(f.modelId);
  const ver = ascii(f.modelVersion);
  const fam = ascii(f.family);
  const desc = encodeDescriptor(f.descriptor);
  if (f.descriptor.family !== undefined && f.descriptor.family !== f.family)
    throw new BundleMalformedError('descriptor family differs from header family');
  const len = FIXED_HEADER_BYTES + 1 + id.length + 1 + ver.length + 1 + fam.length + 2 + desc.length;
  if (len > HEADER_MAX_BYTES) throw new BundleMalformedError('header too large');
  const out = new Uint8Array(len);
  const dv = new DataView(out.buffer);
  out.set(BUNDLE_MAGIC, 0);
  dv.setUint16(8, BUNDLE_FORMAT_VERSION, true);
  dv.setUint16(10, len, true);
  out[12] = AEAD_XCHACHA20POLY1305_STREAM;
  out[13] = SIG_ED25519_SHA256;
  out[14] = HASH_SHA256;
  out[15] = 0;
  dv.setUint32(16, f.chunkSize, true);
  dv.setBigUint64(20, BigInt(f.plaintextSize), true);
  out.set(f.plaintextSha256, 28);
  out.set(f.keyId, 60);
  out.set(f.signerKeyId, 76);
  out.set(f.nonceBase, 92);
  let o = FIXED_HEADER_BYTES;
  for (const s of [id, ver, fam]) {
    out[o++] = s.length;
    out.set(s, o);
    o += s.length;
  }
  dv.setUint16(o, desc.length, true);
  out.set(desc, o + 2);
  return out;
}

/** Reads the 12-byte prefix: checks magic + version and returns the bounded header length. */
export function readHeaderLength(prefix: Uint8Array): number {
  if (prefix.length < 12) throw new BundleMalformedError('file too short for a bundle header');
  for (let i = 0; i < BUNDLE_MAGIC.length; i++) {
    if (prefix[i] !== BUNDLE_MAGIC[i]) throw new BundleMalformedError('not a FaceVault bundle (bad magic)');
  }
  const dv = new DataView(prefix.buffer, prefix.byteOffset, prefix.byteLength);
  const version = dv.getUint16(8, true);
  if (version !== BUNDLE_FORMAT_VERSION)
    throw new BundleUnsupportedError(`bundle format version ${version} not supported`);
  const len = dv.getUint16(10, true);
  if (len < FIXED_HEADER_BYTES + 6 + 4 || len > HEADER_MAX_BYTES)
    throw new BundleMalformedError('header length out of range');
  return len;
}

function readString(bytes: Uint8Array, o: number, end: number, name: string, re: RegExp): [string, number] {
  if (o >= end) throw new BundleMalformedError(`header ends before ${name}`);
  const n = bytes[o] ?? 0;
  if (n === 0 || o + 1 + n > end) throw new BundleMalformedError(`${name} length out of range`);
  let s = '';
  for (let i = o + 1; i < o + 1 + n; i++) {
    const c = bytes[i] ?? 0;
    if (c < 0x20 || c > 0x7e) throw new BundleMalformedError(`${name} is not printable ASCII`);
    s += String.fromCharCode(c);
  }
  if (!re.test(s)) throw new BundleMalformedError(`${name} has invalid characters`);
  return [s, o + 1 + n];
}

/**
 * Parses and validates the header at the start of `data` (which may continue with body + signature).
 * The returned `bytes` is a copy, so later mutation of `data` cannot change what was validated.
 */
export function parseBundleHeader(data: Uint8Array): BundleHeader {
  const headerLength = readHeaderLength(data);
  if (data.length < headerLength) throw new BundleMalformedError('file shorter than its header');
  const bytes = copyBytes(data, 0, headerLength);
  const dv = new DataView(bytes.buffer);
  const aeadAlg = bytes[12] ?? 0;
  const sigAlg = bytes[13] ?? 0;
  const hashAlg = bytes[14] ?? 0;
  const flags = bytes[15] ?? 0;
  if (aeadAlg !== AEAD_XCHACHA20POLY1305_STREAM)
    throw new BundleUnsupportedError(`AEAD algorithm ${aeadAlg} not supported`);
  if (sigAlg !== SIG_ED25519_SHA256)
    throw new BundleUnsupportedError(`signature algorithm ${sigAlg} not supported`);
  if (hashAlg !== HASH_SHA256) throw new BundleUnsupportedError(`hash algorithm ${hashAlg} not supported`);
  if (flags !== 0) throw new BundleUnsupportedError(`header flags 0x${flags.toString(16)} not supported`);
  const chunkSize = dv.getUint32(16, true);
  const sizeBig = dv.getBigUint64(20, true);
  if (sizeBig > BigInt(PLAINTEXT_SIZE_MAX)) throw new BundleMalformedError('plaintext size out of range');
  const plaintextSize = Number(sizeBig);
  let o = FIXED_HEADER_BYTES;
  let modelId: string;
  let modelVersion: string;
  let family: string;
  [modelId, o] = readString(bytes, o, headerLength, 'model id', MODEL_ID_RE);
  [modelVersion, o] = readString(bytes, o, headerLength, 'model version', MODEL_VERSION_RE);
  [family, o] = readString(bytes, o, headerLength, 'family', FAMILY_RE);
  if (o + 2 > headerLength) throw new BundleMalformedError('header ends before descriptor');
  const descLen = dv.getUint16(o, true);
  if (descLen < 2 || descLen > DESCRIPTOR_MAX_BYTES)
    throw new BundleMalformedError('descriptor length out of range');
  if (o + 2 + descLen !== headerLength)
    throw new BundleMalformedError('header fields do not end at header length');
  const descriptor = parseDescriptor(bytes.subarray(o + 2, o + 2 + descLen));
  if (descriptor.family !== undefined && descriptor.family !== family) {
    throw new BundleMalformedError('descriptor family differs from header family');
  }
  const fields: BundleHeaderFields = {
    chunkSize,
    plaintextSize,
    plaintextSha256: copyBytes(bytes, 28, 60),
    keyId: copyBytes(bytes, 60, 76),
    signerKeyId: copyBytes(bytes, 76, 92),
    nonceBase: copyBytes(bytes, 92, 116),
    modelId,
    modelVersion,
    family,
    descriptor,
  };
  checkFields(fields);
  const chunkCount = chunkCountFor(plaintextSize, chunkSize);
  const bodyLength = plaintextSize + TAG_BYTES * chunkCount;
  return {
    ...fields,
    formatVersion: BUNDLE_FORMAT_VERSION,
    aeadAlg,
    sigAlg,
    hashAlg,
    bytes,
    headerLength,
    chunkCount,
    bodyLength,
    totalLength: headerLength + bodyLength + SIGNATURE_BYTES,
  };
}
