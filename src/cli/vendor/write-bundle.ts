/**
 * Bundle writer (vendor side; spec: docs/bundle-format.md). Encrypts a model under a fresh 32-byte model
 * key (or a supplied one) with STREAM XChaCha20-Poly1305, then signs SHA-256(header ‖ body) with the
 * vendor Ed25519 key. Guarantees: a fresh random key id and nonce base per bundle; the output parses with
 * src/main/model/bundle/read-bundle.ts; the returned model key is a copy the caller must wipe (it is needed to issue licences).
 */
import { createHash, randomBytes } from 'node:crypto';
import { ed25519 } from '@noble/curves/ed25519.js';
import type { PreprocessingDescriptorInput } from '../../main/model/bundle/descriptor.ts';
import {
  DEFAULT_CHUNK_SIZE,
  KEY_ID_BYTES,
  NONCE_BASE_BYTES,
  SIGNATURE_BYTES,
  TAG_BYTES,
  chunkCountFor,
  encodeBundleHeader,
  parseBundleHeader,
  type BundleHeader,
  type BundleHeaderInit,
} from '../../main/model/bundle/header.ts';
import { bundleDigest, signBundleDigest, vendorKeyId } from '../../main/model/bundle/signature.ts';
import { StreamAead, type AeadBackend } from '../../main/model/bundle/stream-aead.ts';
import { copyBytes } from '../../main/model/bytes.ts';

export interface WriteBundleOptions {
  readonly model: Uint8Array;
  readonly vendorSecretKey: Uint8Array;
  readonly modelId: string;
  readonly modelVersion: string;
  readonly family: string;
  readonly descriptor: PreprocessingDescriptorInput;
  readonly chunkSize?: number;
  /** Supply to re-use a model key (e.g. a new version under an existing licence); default: 32 random bytes. */
  readonly modelKey?: Uint8Array;
  readonly keyId?: Uint8Array;
  readonly backend?: AeadBackend;
  readonly onProgress?: (doneBytes: number, totalBytes: number) => void;
}

export interface WrittenBundle {
  readonly bundle: Uint8Array;
  readonly header: BundleHeader;
  /** Copy of the model key: the caller stores it for licence issuing and wipes this buffer. */
  readonly modelKey: Uint8Array;
}

/** Concatenates header ‖ body ‖ Ed25519 signature over SHA-256(header ‖ body). */
export function assembleBundle(
  header: Uint8Array,
  body: Uint8Array,
  vendorSecretKey: Uint8Array,
): Uint8Array {
  const sig = signBundleDigest(bundleDigest(header, body), vendorSecretKey);
  const out = new Uint8Array(header.length + body.length + SIGNATURE_BYTES);
  out.set(header, 0);
  out.set(body, header.length);
  out.set(sig, header.length + body.length);
  return out;
}

/** Seals `plaintext` into a STREAM body for `header` (exported for tests that build hostile bundles). */
export function sealBody(
  header: BundleHeader,
  plaintext: Uint8Array,
  modelKey: Uint8Array,
  backend: AeadBackend = 'node',
  onProgress?: (done: number, total: number) => void,
): Uint8Array {
  const ad = new Uint8Array(createHash('sha256').update(header.bytes).digest());
  const aead = new StreamAead(modelKey, header.nonceBase, ad, backend);
  try {
    const n = chunkCountFor(plaintext.length, header.chunkSize);
    const body = new Uint8Array(plaintext.length + n * TAG_BYTES);
    for (let i = 0; i < n; i++) {
      const start = i * header.chunkSize;
      const end = Math.min(start + header.chunkSize, plaintext.length);
      const dst = body.subarray(start + i * TAG_BYTES, end + (i + 1) * TAG_BYTES);
      aead.seal(i, i === n - 1, plaintext.subarray(start, end), dst);
      onProgress?.(end, plaintext.length);
    }
    return body;
  } finally {
    aead.dispose();
  }
}

export function writeBundle(o: WriteBundleOptions): WrittenBundle {
  if (o.vendorSecretKey.length !== 32) throw new RangeError('vendor secret key must be 32 bytes');
  const modelKey = o.modelKey ? copyBytes(o.modelKey) : new Uint8Array(randomBytes(32));
  try {
    if (modelKey.length !== 32) throw new RangeError('model key must be 32 bytes');
    const fields: BundleHeaderInit = {
      chunkSize: o.chunkSize ?? DEFAULT_CHUNK_SIZE,
      plaintextSize: o.model.length,
      plaintextSha256: new Uint8Array(createHash('sha256').update(o.model).digest()),
      keyId: o.keyId ? copyBytes(o.keyId) : new Uint8Array(randomBytes(KEY_ID_BYTES)),
      signerKeyId: vendorKeyId(ed25519.getPublicKey(o.vendorSecretKey)),
      nonceBase: new Uint8Array(randomBytes(NONCE_BASE_BYTES)),
      modelId: o.modelId,
      modelVersion: o.modelVersion,
      family: o.family,
      descriptor: o.descriptor, // validated and normalised (defaults applied) by the encoder
    };
    const header = parseBundleHeader(encodeBundleHeader(fields));
    const body = sealBody(header, o.model, modelKey, o.backend, o.onProgress);
    return { bundle: assembleBundle(header.bytes, body, o.vendorSecretKey), header, modelKey };
  } catch (e) {
    modelKey.fill(0);
    throw e;
  }
}
