/**
 * Strict bundle reader (spec: docs/bundle-format.md §Checks). Order of checks, each before any work that
 * depends on it:
 *   1. header: magic, version, algorithms, field ranges, descriptor schema (header.ts);
 *   2. exact total length = headerLength + bodyLength + 64 (truncation / trailing bytes → BUNDLE_MALFORMED),
 *      plaintext size ≤ caller's bound — so every later allocation is ≤ the input size;
 *   3. Ed25519 signature by a pinned vendor key over SHA-256(header ‖ body) → BUNDLE_SIGNATURE_INVALID;
 *   4. only then, with a model key: STREAM decryption chunk by chunk (tag failure → BUNDLE_INTEGRITY) and
 *      the plaintext SHA-256 against the header (→ BUNDLE_INTEGRITY).
 * `decryptBundle` only accepts the object returned by `verifyBundle` (module-private brand), so nothing
 * unsigned is ever decrypted. On any failure the partially written plaintext buffer is wiped.
 */
import { createHash } from 'node:crypto';
import { BundleIntegrityError, BundleMalformedError } from './errors.ts';
import {
  HEADER_MAX_BYTES,
  PLAINTEXT_SIZE_MAX,
  SIGNATURE_BYTES,
  TAG_BYTES,
  parseBundleHeader,
  type BundleHeader,
} from './header.ts';
import { bundleDigest, equalBytes, verifyBundleSignature, type VendorPublicKey } from './signature.ts';
import { StreamAead, type AeadBackend } from './stream-aead.ts';

export interface ReadBundleOptions {
  /** Upper bound on the declared plaintext size (default 512 MiB). */
  readonly maxPlaintextBytes?: number;
  readonly backend?: AeadBackend;
  /** Allocator for the plaintext buffer (tests count allocations); must return zero-length-checked memory. */
  readonly allocate?: (bytes: number) => Uint8Array;
  readonly onProgress?: (doneBytes: number, totalBytes: number) => void;
}

export const DEFAULT_MAX_PLAINTEXT_BYTES = 512 * 1024 * 1024;

/** Largest bundle file that can hold `maxPlaintextBytes` (smallest chunks: one 16-byte tag per 16 bytes). */
export const maxBundleBytes = (maxPlaintextBytes = DEFAULT_MAX_PLAINTEXT_BYTES): number =>
  HEADER_MAX_BYTES + 2 * maxPlaintextBytes + TAG_BYTES + SIGNATURE_BYTES;

export interface ParsedBundle {
  readonly header: BundleHeader;
  readonly body: Uint8Array;
  readonly signature: Uint8Array;
}

export interface VerifiedBundle extends ParsedBundle {
  /** SHA-256(header ‖ body): compare with a later re-check to detect a swapped (even validly signed) file. */
  readonly digest: Uint8Array;
  readonly signer: VendorPublicKey;
}

const verified = new WeakSet<VerifiedBundle>();

/** Steps 1–2: structure only. `body`/`signature` are views into `data`. */
export function parseBundle(data: Uint8Array, opts: ReadBundleOptions = {}): ParsedBundle {
  const header = parseBundleHeader(data);
  const max = Math.min(opts.maxPlaintextBytes ?? DEFAULT_MAX_PLAINTEXT_BYTES, PLAINTEXT_SIZE_MAX);
  if (header.plaintextSize > max) {
    throw new BundleMalformedError(`declared model size ${header.plaintextSize} exceeds limit ${max}`);
  }
  if (data.length < header.totalLength) throw new BundleMalformedError('bundle is truncated');
  if (data.length > header.totalLength) throw new BundleMalformedError('bundle has trailing bytes');
  const bodyEnd = header.headerLength + header.bodyLength;
  return {
    header,
    body: data.subarray(header.headerLength, bodyEnd),
    signature: data.subarray(bodyEnd, bodyEnd + SIGNATURE_BYTES),
  };
}

/** Steps 1–3. Throws a BundleError subclass; returns a verified handle for `decryptBundle`. */
export function verifyBundle(
  data: Uint8Array,
  pinned: readonly VendorPublicKey[],
  opts: ReadBundleOptions = {},
): VerifiedBundle {
  const p = parseBundle(data, opts);
  const digest = bundleDigest(p.header.bytes, p.body);
  const signer = verifyBundleSignature(digest, p.signature, p.header.signerKeyId, pinned);
  const v: VerifiedBundle = { ...p, digest, signer };
  verified.add(v);
  return v;
}

/**
 * Step 4: decrypts a verified bundle into one fresh buffer of exactly plaintextSize bytes. The caller owns
 * (and must wipe) the result. `modelKey` is not retained or modified.
 */
export function decryptBundle(
  v: VerifiedBundle,
  modelKey: Uint8Array,
  opts: ReadBundleOptions = {},
): Uint8Array {
  if (!verified.has(v)) throw new BundleIntegrityError('refusing to decrypt a bundle that was not verified');
  const out = (opts.allocate ?? ((n: number) => new Uint8Array(n)))(v.header.plaintextSize);
  if (out.length !== v.header.plaintextSize) throw new RangeError('allocator returned the wrong size');
  decryptInto(v, modelKey, out, opts);
  return out;
}

/**
 * Step 4 without a second model-sized buffer: the plaintext is written over the bundle's own body. Chunk i's
 * plaintext goes to body offset i·chunkSize and its ciphertext starts at i·(chunkSize + 16), so every write
 * lands at or behind ciphertext already consumed (node backend: OpenSSL has read the whole chunk and the tag
 * was taken before anything is written back). Returns a view of exactly plaintextSize bytes into the caller's
 * buffer, which the caller must own: its body is destroyed, and `v` is consumed (it cannot be decrypted
 * again). On failure the body is zeroed. Only for the `node` AEAD backend (the @noble one does not promise
 * anything for overlapping input and output); `decryptBundle` otherwise.
 * Why: a fresh model-sized allocation is page-faulted in on first write, and on the 2-vCPU VM measured that
 * cost ~3 ms per MB — as much as the decryption itself (docs/bundle-format.md "Whole-set unlock").
 */
export function decryptBundleInPlace(
  v: VerifiedBundle,
  modelKey: Uint8Array,
  opts: ReadBundleOptions = {},
): Uint8Array {
  if (!verified.has(v)) throw new BundleIntegrityError('refusing to decrypt a bundle that was not verified');
  if ((opts.backend ?? 'node') !== 'node')
    throw new RangeError('in-place decryption needs the node AEAD backend');
  verified.delete(v);
  const out = v.body.subarray(0, v.header.plaintextSize);
  try {
    decryptInto(v, modelKey, out, opts);
  } catch (e) {
    v.body.fill(0);
    throw e;
  }
  return out;
}

/** The chunk loop shared by both; `out` may alias the body only as decryptBundleInPlace describes. */
function decryptInto(
  v: VerifiedBundle,
  modelKey: Uint8Array,
  out: Uint8Array,
  opts: ReadBundleOptions,
): void {
  const { header, body } = v;
  const ad = new Uint8Array(createHash('sha256').update(header.bytes).digest());
  const aead = new StreamAead(modelKey, header.nonceBase, ad, opts.backend);
  try {
    const cs = header.chunkSize;
    const plainHash = createHash('sha256'); // fed chunk by chunk, while each chunk is still in cache
    for (let i = 0; i < header.chunkCount; i++) {
      const start = i * cs;
      const end = Math.min(start + cs, header.plaintextSize);
      const sealed = body.subarray(start + i * TAG_BYTES, end + (i + 1) * TAG_BYTES);
      const dst = out.subarray(start, end);
      aead.open(i, i === header.chunkCount - 1, sealed, dst);
      plainHash.update(dst);
      opts.onProgress?.(end, header.plaintextSize);
    }
    const h = new Uint8Array(plainHash.digest());
    if (!equalBytes(h, header.plaintextSha256))
      throw new BundleIntegrityError('plaintext SHA-256 does not match header');
  } catch (e) {
    out.fill(0);
    throw e;
  } finally {
    aead.dispose();
  }
}

/** verify → decrypt in one call. */
export function openBundle(
  data: Uint8Array,
  modelKey: Uint8Array,
  pinned: readonly VendorPublicKey[],
  opts: ReadBundleOptions = {},
): { header: BundleHeader; plaintext: Uint8Array } {
  const v = verifyBundle(data, pinned, opts);
  return { header: v.header, plaintext: decryptBundle(v, modelKey, opts) };
}
