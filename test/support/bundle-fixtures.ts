/**
 * Builders for bundle/licence tests: a vendor key pair, a valid descriptor, deterministic pseudo-models,
 * and `resign` to build hostile-but-validly-signed bundles (to test the AEAD layer behind the signature).
 */
import { createHash } from 'node:crypto';
import { ed25519 } from '@noble/curves/ed25519.js';
import { assembleBundle, writeBundle, type WriteBundleOptions } from '../../src/cli/vendor/write-bundle.ts';
import { parseBundle } from '../../src/main/model/bundle/read-bundle.ts';
import { pinVendorKey, type VendorPublicKey } from '../../src/main/model/bundle/signature.ts';
import type { PreprocessingDescriptorInput } from '../../src/main/model/bundle/descriptor.ts';

export interface Vendor {
  readonly secretKey: Uint8Array;
  readonly publicKey: Uint8Array;
  readonly pinned: VendorPublicKey[];
}

export function makeVendor(): Vendor {
  const kp = ed25519.keygen();
  return { secretKey: kp.secretKey, publicKey: kp.publicKey, pinned: [pinVendorKey(kp.publicKey)] };
}

export const testDescriptor: PreprocessingDescriptorInput = {
  family: 'yunet',
  input: { width: 640, height: 640 },
  layout: 'nchw',
  channelOrder: 'bgr',
  mean: [0, 0, 0],
  std: [1, 1, 1],
  decoding: 'yunet',
};

/** Deterministic bytes (SHA-256 counter mode) so failures reproduce. */
export function pseudoModel(size: number, seed = 1): Uint8Array {
  const out = new Uint8Array(size);
  for (let i = 0, c = 0; i < size; c++) {
    const h = createHash('sha256').update(`${seed}:${c}`).digest();
    out.set(h.subarray(0, Math.min(32, size - i)), i);
    i += 32;
  }
  return out;
}

export function makeBundle(
  vendor: Vendor,
  size: number,
  extra: Partial<WriteBundleOptions> = {},
): { bundle: Uint8Array; modelKey: Uint8Array; model: Uint8Array; keyId: Uint8Array } {
  const model = extra.model ?? pseudoModel(size);
  const w = writeBundle({
    model,
    vendorSecretKey: vendor.secretKey,
    modelId: 'test-model',
    modelVersion: '1.0',
    family: 'yunet',
    descriptor: testDescriptor,
    chunkSize: 64,
    ...extra,
  });
  return { bundle: w.bundle, modelKey: w.modelKey, model, keyId: w.header.keyId };
}

/** Re-signs `header ‖ body` (as a compromised/buggy signer would) so the AEAD layer is what must reject. */
export function resign(header: Uint8Array, body: Uint8Array, vendor: Vendor): Uint8Array {
  return assembleBundle(header, body, vendor.secretKey);
}

/** Splits a valid bundle into header bytes, per-chunk sealed slices, and the chunk size. */
export function splitBundle(bundle: Uint8Array): {
  header: Uint8Array;
  chunks: Uint8Array[];
  body: Uint8Array;
} {
  const p = parseBundle(bundle);
  const chunks: Uint8Array[] = [];
  const cs = p.header.chunkSize;
  for (let i = 0; i < p.header.chunkCount; i++) {
    const start = i * (cs + 16);
    const len = Math.min(cs, p.header.plaintextSize - i * cs) + 16;
    chunks.push(p.body.slice(start, start + len));
  }
  return { header: p.header.bytes, chunks, body: p.body.slice() };
}

export { concatBytes as concat } from '../../src/main/model/license/license-format.ts';
