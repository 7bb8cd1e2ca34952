/**
 * Device licences (kind 2) and the first-run re-wrap (spec: docs/bundle-format.md §Device licence).
 *
 * The app ships a demo vendor licence issued to a *bootstrap* X25519 key pair whose private key ships
 * with the app — it is extractable by anyone holding the app files, so the demo licence protects only
 * against casual copying of the bundle alone; real deployments issue per-device vendor licences.
 * First run opens the demo licence once and stores the model key re-wrapped under a 32-byte
 * device-derived wrapping key supplied by the caller (from the device KEK, never stored by this module):
 *   k = HKDF-SHA256(ikm = wrappingKey, salt = ∅, info = "FaceVault device licence v1\0" ‖ keyId ‖ len ‖ modelId)
 *   wrapped = XChaCha20-Poly1305(k, random 24-byte nonce, AD = licence prefix).encrypt(modelKey)
 * The device cannot vendor-sign, so authenticity comes from the AEAD tag under the device-derived key:
 * only this device (holding the KEK) can create or open it; copying it elsewhere yields LICENSE_INVALID.
 * Expiry of the demo licence is carried over. Guarantees: derived keys wiped in `finally`.
 */
import { randomBytes } from 'node:crypto';
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import type { VendorPublicKey } from '../bundle/signature.ts';
import type { DeviceIdentity } from './device-identity.ts';
import { LicenseInvalidError } from './errors.ts';
import { KIND_DEVICE, concatBytes, encodeDevicePrefix, parseLicense } from './license-format.ts';
import {
  checkBindingAndExpiry,
  openLicense,
  type OpenLicenseOptions,
  type OpenedLicense,
} from './vendor-license.ts';

const DEVICE_INFO = new TextEncoder().encode('FaceVault device licence v1\0');

function deviceKek(wrappingKey: Uint8Array, keyId: Uint8Array, modelId: string): Uint8Array {
  if (wrappingKey.length !== 32) throw new LicenseInvalidError('device wrapping key must be 32 bytes');
  const id = new TextEncoder().encode(modelId);
  return hkdf(
    sha256,
    wrappingKey,
    undefined,
    concatBytes(DEVICE_INFO, keyId, new Uint8Array([id.length]), id),
    32,
  );
}

export interface RewrapInput {
  readonly modelKey: Uint8Array;
  readonly keyId: Uint8Array;
  readonly modelId: string;
  readonly expiresAt: number;
  readonly issuedAt?: number;
}

/** Wraps a model key for this device. Returns the device licence bytes (store them; not secret). */
export function rewrapToDevice(input: RewrapInput, wrappingKey: Uint8Array): Uint8Array {
  if (input.modelKey.length !== 32) throw new LicenseInvalidError('model key must be 32 bytes');
  if (input.keyId.length !== 16) throw new LicenseInvalidError('key id must be 16 bytes');
  const nonce = new Uint8Array(randomBytes(24));
  const prefix = encodeDevicePrefix({
    keyId: input.keyId,
    issuedAt: input.issuedAt ?? Math.floor(Date.now() / 1000),
    expiresAt: input.expiresAt,
    nonce,
    modelId: input.modelId,
  });
  const kek = deviceKek(wrappingKey, input.keyId, input.modelId);
  try {
    return concatBytes(prefix, xchacha20poly1305(kek, nonce, prefix).encrypt(input.modelKey));
  } finally {
    kek.fill(0);
  }
}

/** Opens a device licence with the device wrapping key. The returned model key is the caller's to wipe. */
export function openDeviceLicence(
  licence: Uint8Array,
  wrappingKey: Uint8Array,
  opts: OpenLicenseOptions = {},
): OpenedLicense {
  const l = parseLicense(licence);
  if (l.kind !== KIND_DEVICE) throw new LicenseInvalidError('not a device licence');
  const kek = deviceKek(wrappingKey, l.keyId, l.modelId);
  try {
    let modelKey: Uint8Array;
    try {
      modelKey = xchacha20poly1305(kek, l.nonce, l.associatedData).decrypt(l.wrappedKey);
    } catch (e) {
      throw new LicenseInvalidError(
        'device licence does not authenticate (tampered or from another device)',
        {
          cause: e,
        },
      );
    }
    try {
      checkBindingAndExpiry(l, opts);
    } catch (e) {
      modelKey.fill(0);
      throw e;
    }
    return { modelKey, keyId: l.keyId, modelId: l.modelId, issuedAt: l.issuedAt, expiresAt: l.expiresAt };
  } finally {
    kek.fill(0);
  }
}

/**
 * First run: opens the shipped demo licence with the bootstrap identity and returns a device licence
 * for `wrappingKey`. After this the bootstrap key is never needed again.
 */
export async function bootstrapDeviceLicence(
  demoLicence: Uint8Array,
  bootstrapIdentity: DeviceIdentity,
  pinnedVendorKeys: readonly VendorPublicKey[],
  wrappingKey: Uint8Array,
  opts: OpenLicenseOptions = {},
): Promise<Uint8Array> {
  const opened = await openLicense(demoLicence, bootstrapIdentity, pinnedVendorKeys, opts);
  try {
    return rewrapToDevice(opened, wrappingKey);
  } finally {
    opened.modelKey.fill(0);
  }
}
