/**
 * Vendor signatures (spec: docs/bundle-format.md §Signature). Ed25519 (RFC 8032 pure mode) over
 *
 *   "FaceVault bundle signature v1\0" ‖ SHA-256(header ‖ body)           (bundles)
 *   "FaceVault licence signature v1\0" ‖ licence bytes before the signature (licences, see license/)
 *   "FaceVault model catalog v1\0"     ‖ exact catalog.json bytes          (catalogs, see model-catalog.ts)
 *
 * The distinct context strings mean a signature of one kind can never be replayed as another kind. SHA-256 runs in node:crypto (same FIPS 180-4 function as @noble/hashes, ~10× faster here).
 * Keys are generated and signatures made with @noble/curves. Verification (the load-time hot path) runs
 * in node:crypto / OpenSSL (~0.1 ms vs ~1.2–2 ms for @noble) with RFC 8032 §5.1.7 strictness enforced
 * here: S must be canonical (S < L, checked explicitly), R is compared by encoding (OpenSSL), and pinned
 * public keys are validated by @noble at pin time. `verifier: 'noble'` (zip215: false) stays available
 * and the unit tests cross-check both verifiers on valid, mutated and non-canonical signatures.
 *
 * A vendor key is named by its key id = first 16 bytes of SHA-256("FaceVault vendor key id v1\0" ‖ pub).
 * Verification accepts only keys the caller pinned; the header's signer key id selects among them.
 */
import { createHash, createPublicKey, verify as nodeVerify } from 'node:crypto';
import { ed25519 } from '@noble/curves/ed25519.js';
import { BundleSignatureError } from './errors.ts';
import { KEY_ID_BYTES, SIGNATURE_BYTES } from './header.ts';
import { copyBytes } from '../bytes.ts';

const enc = new TextEncoder();
export const BUNDLE_SIG_CONTEXT = enc.encode('FaceVault bundle signature v1\0');
export const LICENSE_SIG_CONTEXT = enc.encode('FaceVault licence signature v1\0');
export const CATALOG_SIG_CONTEXT = enc.encode('FaceVault model catalog v1\0');
const KEY_ID_CONTEXT = enc.encode('FaceVault vendor key id v1\0');

export interface VendorPublicKey {
  readonly publicKey: Uint8Array;
  readonly keyId: Uint8Array;
}

export function vendorKeyId(publicKey: Uint8Array): Uint8Array {
  if (publicKey.length !== 32) throw new RangeError('Ed25519 public key must be 32 bytes');
  const h = createHash('sha256').update(KEY_ID_CONTEXT).update(publicKey).digest();
  return new Uint8Array(h.subarray(0, KEY_ID_BYTES));
}

export function pinVendorKey(publicKey: Uint8Array): VendorPublicKey {
  if (!ed25519.utils.isValidPublicKey(publicKey, false))
    throw new RangeError('not a valid Ed25519 public key');
  return { publicKey: copyBytes(publicKey), keyId: vendorKeyId(publicKey) };
}

export const equalBytes = (a: Uint8Array, b: Uint8Array): boolean => {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= (a[i] ?? 0) ^ (b[i] ?? 0);
  return d === 0;
};

export const hex = (b: Uint8Array): string =>
  Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');

/** SHA-256(header ‖ body): the digest the bundle signature covers. */
export function bundleDigest(header: Uint8Array, body: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha256').update(header).update(body).digest());
}

function withContext(context: Uint8Array, payload: Uint8Array): Uint8Array {
  const m = new Uint8Array(context.length + payload.length);
  m.set(context, 0);
  m.set(payload, context.length);
  return m;
}

export function signBundleDigest(digest: Uint8Array, vendorSecretKey: Uint8Array): Uint8Array {
  return ed25519.sign(withContext(BUNDLE_SIG_CONTEXT, digest), vendorSecretKey);
}

export function signLicenseBytes(payload: Uint8Array, vendorSecretKey: Uint8Array): Uint8Array {
  return ed25519.sign(withContext(LICENSE_SIG_CONTEXT, payload), vendorSecretKey);
}

export function signCatalogBytes(catalog: Uint8Array, vendorSecretKey: Uint8Array): Uint8Array {
  return ed25519.sign(withContext(CATALOG_SIG_CONTEXT, catalog), vendorSecretKey);
}

/** Finds the pinned key with this key id, or null. */
export function findPinnedKey(pinned: readonly VendorPublicKey[], keyId: Uint8Array): VendorPublicKey | null {
  for (const k of pinned) if (equalBytes(k.keyId, keyId)) return k;
  return null;
}

export type Ed25519Verifier = 'node' | 'noble';

/** Group order L of edwards25519 (RFC 8032 §5.1). */
const ED25519_L = 2n ** 252n + 27742317777372353535851937790883648493n;
const SPKI_ED25519_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

function canonicalS(signature: Uint8Array): boolean {
  let s = 0n;
  for (let i = 63; i >= 32; i--) s = (s << 8n) | BigInt(signature[i] ?? 0);
  return s < ED25519_L;
}

/** Strict Ed25519 verification; false for any malformed input (never throws). */
export function ed25519VerifyStrict(
  signature: Uint8Array,
  message: Uint8Array,
  publicKey: Uint8Array,
  verifier: Ed25519Verifier = 'node',
): boolean {
  if (signature.length !== SIGNATURE_BYTES || publicKey.length !== 32) return false;
  if (!canonicalS(signature)) return false;
  try {
    if (verifier === 'noble') return ed25519.verify(signature, message, publicKey, { zip215: false });
    const key = createPublicKey({
      key: Buffer.concat([SPKI_ED25519_PREFIX, publicKey]),
      format: 'der',
      type: 'spki',
    });
    return nodeVerify(null, message, key, signature);
  } catch {
    return false;
  }
}

/** Throws BundleSignatureError unless `signature` is a valid signature of `digest` by a pinned key with `signerKeyId`. */
export function verifyBundleSignature(
  digest: Uint8Array,
  signature: Uint8Array,
  signerKeyId: Uint8Array,
  pinned: readonly VendorPublicKey[],
): VendorPublicKey {
  const key = findPinnedKey(pinned, signerKeyId);
  if (!key) throw new BundleSignatureError(`bundle signed by key ${hex(signerKeyId)}, which is not pinned`);
  if (!ed25519VerifyStrict(signature, withContext(BUNDLE_SIG_CONTEXT, digest), key.publicKey)) {
    throw new BundleSignatureError('bundle signature does not verify');
  }
  return key;
}

export function verifyLicenseSignature(
  payload: Uint8Array,
  signature: Uint8Array,
  publicKey: Uint8Array,
): boolean {
  return ed25519VerifyStrict(signature, withContext(LICENSE_SIG_CONTEXT, payload), publicKey);
}

export function verifyCatalogSignature(
  catalog: Uint8Array,
  signature: Uint8Array,
  publicKey: Uint8Array,
): boolean {
  return ed25519VerifyStrict(signature, withContext(CATALOG_SIG_CONTEXT, catalog), publicKey);
}
