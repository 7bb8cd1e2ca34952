/**
 * Vendor licences (kind 1; spec: docs/bundle-format.md §Licences). ECIES-style key wrap:
 *   (e, E) fresh X25519 pair per licence;  ss = X25519(e, D_device)
 *   kek = HKDF-SHA256(ikm = ss, salt = E ‖ D_device,
 *                     info = "FaceVault licence wrap v1\0" ‖ keyId ‖ len(modelId) ‖ modelId, L = 32)
 *   wrapped = XChaCha20-Poly1305(kek, nonce (24 random), AD = licence prefix).encrypt(modelKey)
 *   signature = Ed25519(vendor, "FaceVault licence signature v1\0" ‖ prefix ‖ wrapped)
 * (RFC 7748 X25519, RFC 5869 HKDF, draft-irtf-cfrg-xchacha AEAD, RFC 8032 Ed25519; construction in the
 * spirit of ECIES / HPKE base mode with the context bound in salt and info.)
 *
 * Issuing (vendor side) is src/cli/vendor/issue-license.ts; the app only opens licences.
 * Guarantees of `openLicense`: signature by a pinned vendor key is checked first; then model binding
 * (caller's expected key id / model id), expiry, device public key equality, and only then the shared
 * secret is requested from the identity and the model key unwrapped. All intermediates (shared secret,
 * kek) are wiped in `finally`; the returned model key is owned (and must be wiped) by the caller.
 */
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import {
  equalBytes,
  findPinnedKey,
  hex,
  verifyLicenseSignature,
  type VendorPublicKey,
} from '../bundle/signature.ts';
import type { DeviceIdentity } from './device-identity.ts';
import { LicenseInvalidError, LicenseWrongDeviceError } from './errors.ts';
import { KIND_VENDOR, concatBytes, parseLicense, type ParsedLicense } from './license-format.ts';

const WRAP_INFO = new TextEncoder().encode('FaceVault licence wrap v1\0');

export interface OpenedLicense {
  /** 32-byte model key; caller wipes. */
  readonly modelKey: Uint8Array;
  readonly keyId: Uint8Array;
  readonly modelId: string;
  readonly issuedAt: number;
  readonly expiresAt: number;
}

export interface LicenseExpectation {
  /** Key id of the bundle the licence must unlock. */
  readonly keyId?: Uint8Array;
  readonly modelId?: string;
}

export interface OpenLicenseOptions {
  readonly expect?: LicenseExpectation;
  /** Unix seconds; default now. */
  readonly now?: number;
}

export function wrapInfo(keyId: Uint8Array, modelId: string): Uint8Array {
  const id = new TextEncoder().encode(modelId);
  return concatBytes(WRAP_INFO, keyId, new Uint8Array([id.length]), id);
}

/** Checks shared by both licence kinds: model binding and expiry. */
const nowSeconds = (): number => Math.floor(Date.now() / 1000);

export function checkBindingAndExpiry(l: ParsedLicense, opts: OpenLicenseOptions): void {
  const ex = opts.expect;
  if (ex?.keyId && !equalBytes(ex.keyId, l.keyId)) {
    throw new LicenseInvalidError(`licence is for another model key (${hex(l.keyId)})`);
  }
  if (ex?.modelId !== undefined && ex.modelId !== l.modelId) {
    throw new LicenseInvalidError(`licence is for model "${l.modelId}", not "${ex.modelId}"`);
  }
  const now = opts.now ?? nowSeconds();
  if (l.expiresAt !== 0 && now >= l.expiresAt) throw new LicenseInvalidError('licence has expired');
}

export async function openLicense(
  licence: Uint8Array,
  identity: DeviceIdentity,
  pinnedVendorKeys: readonly VendorPublicKey[],
  opts: OpenLicenseOptions = {},
): Promise<OpenedLicense> {
  const l = parseLicense(licence);
  if (l.kind !== KIND_VENDOR) throw new LicenseInvalidError('not a vendor licence (use openDeviceLicence)');
  const signer = findPinnedKey(pinnedVendorKeys, l.signerKeyId);
  if (!signer)
    throw new LicenseInvalidError(`licence signed by key ${hex(l.signerKeyId)}, which is not pinned`);
  if (!verifyLicenseSignature(l.signedBytes, l.signature, signer.publicKey)) {
    throw new LicenseInvalidError('licence signature does not verify');
  }
  checkBindingAndExpiry(l, opts);
  if (!equalBytes(l.devicePublicKey, identity.publicKey)) {
    throw new LicenseWrongDeviceError('licence was issued to another device');
  }
  let ss: Uint8Array | undefined;
  let kek: Uint8Array | undefined;
  try {
    try {
      ss = await identity.sharedSecret(l.ephemeralPublicKey);
    } catch (e) {
      throw new LicenseInvalidError('licence ephemeral key rejected', { cause: e });
    }
    kek = hkdf(
      sha256,
      ss,
      concatBytes(l.ephemeralPublicKey, l.devicePublicKey),
      wrapInfo(l.keyId, l.modelId),
      32,
    );
    let modelKey: Uint8Array;
    try {
      modelKey = xchacha20poly1305(kek, l.nonce, l.associatedData).decrypt(l.wrappedKey);
    } catch (e) {
      // The vendor signature proves the wrap is genuine: only the device's private key can be wrong.
      throw new LicenseWrongDeviceError('licence key cannot be unwrapped with this device key', { cause: e });
    }
    return { modelKey, keyId: l.keyId, modelId: l.modelId, issuedAt: l.issuedAt, expiresAt: l.expiresAt };
  } finally {
    ss?.fill(0);
    kek?.fill(0);
  }
}
