/**
 * In-memory model loader (spec: docs/bundle-format.md §Loading). Pipeline, each step gating the next:
 *   read bundle → parse + verify vendor signature (nothing unsigned is decrypted) → open licence bound to
 *   the bundle's key id + model id → STREAM-decrypt into ONE buffer (→ ort-load-model.ts:
 *   InferenceSession.create(buffer)) → wipe plaintext and model key in `finally` (also on every error path).
 * Guarantees: no temporary file, no cache, nothing logged; plaintext exists only in that buffer (and
 * inside onnxruntime's own session memory — see SECURITY.md limits); errors are FaceVaultError subclasses.
 * `verifyBundleFile` is the cheap periodic re-check (size + signature, no decryption, no key needed).
 */
import type { BundleHeader } from './bundle/header.ts';
import {
  decryptBundle,
  decryptBundleInPlace,
  maxBundleBytes,
  verifyBundle,
  type ReadBundleOptions,
  type VerifiedBundle,
} from './bundle/read-bundle.ts';
import type { VendorPublicKey } from './bundle/signature.ts';
import type { AeadBackend } from './bundle/stream-aead.ts';
import type { DeviceIdentity } from './license/device-identity.ts';
import { openDeviceLicence } from './license/device-licence.ts';
import { openLicense, type OpenedLicense } from './license/vendor-license.ts';
import { readBundleFileSync } from './bundle-file.ts';

export type ModelKeySource =
  | { readonly kind: 'vendor-licence'; readonly licence: Uint8Array; readonly identity: DeviceIdentity }
  | { readonly kind: 'device-licence'; readonly licence: Uint8Array; readonly wrappingKey: Uint8Array };

export interface WipedSecrets {
  /** The plaintext buffer after wiping (all zeros), or null if decryption never allocated it. */
  readonly plaintext: Uint8Array | null;
  /** The model key after wiping (all zeros), or null if the licence never opened. */
  readonly modelKey: Uint8Array | null;
}

async function openKey(
  src: ModelKeySource,
  header: BundleHeader,
  pinned: readonly VendorPublicKey[],
  now?: number,
): Promise<OpenedLicense> {
  const opts = {
    expect: { keyId: header.keyId, modelId: header.modelId },
    ...(now === undefined ? {} : { now }),
  };
  return src.kind === 'vendor-licence'
    ? openLicense(src.licence, src.identity, pinned, opts)
    : openDeviceLicence(src.licence, src.wrappingKey, opts);
}

export interface DecryptModelOptions {
  /** Path to the bundle file, or its bytes. */
  readonly bundle: string | Uint8Array;
  readonly keySource: ModelKeySource;
  readonly pinnedVendorKeys: readonly VendorPublicKey[];
  readonly maxPlaintextBytes?: number;
  readonly backend?: AeadBackend;
  /** Unix seconds for the licence expiry check; default now. */
  readonly now?: number;
  /** Called with the model key after it was zeroed (test observability, like `onWipe`). */
  readonly onKeyWiped?: (modelKey: Uint8Array | null) => void;
}

export interface DecryptedModel {
  /** The plaintext ONNX bytes: the caller's to transfer (to the inference worker) or to wipe. */
  readonly plaintext: Uint8Array;
  readonly header: BundleHeader;
  readonly digest: Uint8Array;
}

/**
 * verify → open licence → decrypt, without creating a session: for callers that create the session
 * elsewhere (the inference worker, which receives the buffer by transfer and wipes it). The model key is
 * zeroed before this returns, on every path.
 */
export async function decryptModel(o: DecryptModelOptions): Promise<DecryptedModel> {
  const data =
    typeof o.bundle === 'string'
      ? readBundleFileSync(o.bundle, maxBundleBytes(o.maxPlaintextBytes))
      : o.bundle;
  return decryptVerified(verifyBundle(data, o.pinnedVendorKeys, readOptions(o)), o);
}

const readOptions = (o: { maxPlaintextBytes?: number; backend?: AeadBackend }): ReadBundleOptions => ({
  ...(o.maxPlaintextBytes === undefined ? {} : { maxPlaintextBytes: o.maxPlaintextBytes }),
  ...(o.backend === undefined ? {} : { backend: o.backend }),
});

/**
 * open licence → decrypt, for a bundle the caller already verified (verifyBundle's branded result: nothing
 * unsigned gets here). Lets a caller verify every bundle first — no key needed — while the key store is
 * still answering (model-set.ts). The model key is zeroed before this returns, on every path.
 */
export async function decryptVerified(
  verified: VerifiedBundle,
  o: Omit<DecryptModelOptions, 'bundle'> & {
    /**
     * The caller owns the bundle bytes and gives them up: the plaintext is decrypted over them
     * (decryptBundleInPlace) and returned as a view into that buffer — no second model-sized allocation.
     */
    readonly consumeBundle?: boolean;
  },
): Promise<DecryptedModel> {
  let modelKey: Uint8Array | null = null;
  try {
    modelKey = (await openKey(o.keySource, verified.header, o.pinnedVendorKeys, o.now)).modelKey;
    const inPlace = o.consumeBundle === true && (o.backend ?? 'node') === 'node';
    const plaintext = inPlace
      ? decryptBundleInPlace(verified, modelKey, readOptions(o))
      : decryptBundle(verified, modelKey, readOptions(o));
    return { plaintext, header: verified.header, digest: verified.digest };
  } finally {
    modelKey?.fill(0);
    o.onKeyWiped?.(modelKey);
  }
}

export interface BundleCheck {
  readonly header: BundleHeader;
  readonly digest: Uint8Array;
  readonly sizeBytes: number;
}

/**
 * Periodic runtime re-check: exact size + vendor signature over header ‖ body (one SHA-256 pass and one
 * Ed25519 verification; no key, no decryption). Throws BundleMalformed/Unsupported/SignatureError.
 */
export async function verifyBundleFile(
  path: string,
  pinnedVendorKeys: readonly VendorPublicKey[],
): Promise<BundleCheck> {
  const data = readBundleFileSync(path, maxBundleBytes());
  const v = verifyBundle(data, pinnedVendorKeys);
  return { header: v.header, digest: v.digest, sizeBytes: data.length };
}
