/**
 * Issuing vendor licences (kind 1), the vendor side of src/main/model/license/vendor-license.ts (spec and
 * construction there and in docs/bundle-format.md §Licences): a fresh X25519 pair per licence, the model key
 * wrapped under HKDF(X25519(e, D_device)) with XChaCha20-Poly1305, the whole signed with the vendor's
 * Ed25519 key. Only the CLI, the catalog builder, tools and tests issue licences; the app only opens them.
 * Guarantees: inputs are length-checked before any work; the ephemeral secret, shared secret and kek are
 * wiped in `finally`; the output parses and opens with `openLicense` for exactly that device and model.
 */
import { randomBytes } from 'node:crypto';
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { ed25519, x25519 } from '@noble/curves/ed25519.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { signLicenseBytes, vendorKeyId } from '../../main/model/bundle/signature.ts';
import { LicenseInvalidError } from '../../main/model/license/errors.ts';
import { concatBytes, encodeVendorPrefix } from '../../main/model/license/license-format.ts';
import { wrapInfo } from '../../main/model/license/vendor-license.ts';

export interface IssueLicenseInput {
  readonly modelKey: Uint8Array;
  readonly keyId: Uint8Array;
  readonly modelId: string;
  readonly devicePublicKey: Uint8Array;
  readonly vendorSecretKey: Uint8Array;
  /** Unix seconds; 0/undefined = never. */
  readonly expiresAt?: number;
  readonly issuedAt?: number;
}

const nowSeconds = (): number => Math.floor(Date.now() / 1000);

export function issueLicense(i: IssueLicenseInput): Uint8Array {
  if (i.modelKey.length !== 32) throw new LicenseInvalidError('model key must be 32 bytes');
  if (i.keyId.length !== 16) throw new LicenseInvalidError('key id must be 16 bytes');
  if (i.devicePublicKey.length !== 32) throw new LicenseInvalidError('device public key must be 32 bytes');
  const eph = x25519.keygen();
  let ss: Uint8Array | undefined;
  let kek: Uint8Array | undefined;
  try {
    try {
      ss = x25519.getSharedSecret(eph.secretKey, i.devicePublicKey);
    } catch (e) {
      throw new LicenseInvalidError('device public key is not a usable X25519 key', { cause: e });
    }
    const nonce = new Uint8Array(randomBytes(24));
    const prefix = encodeVendorPrefix({
      keyId: i.keyId,
      signerKeyId: vendorKeyId(ed25519.getPublicKey(i.vendorSecretKey)),
      issuedAt: i.issuedAt ?? nowSeconds(),
      expiresAt: i.expiresAt ?? 0,
      devicePublicKey: i.devicePublicKey,
      ephemeralPublicKey: eph.publicKey,
      nonce,
      modelId: i.modelId,
    });
    kek = hkdf(sha256, ss, concatBytes(eph.publicKey, i.devicePublicKey), wrapInfo(i.keyId, i.modelId), 32);
    const wrapped = xchacha20poly1305(kek, nonce, prefix).encrypt(i.modelKey);
    const signed = concatBytes(prefix, wrapped);
    return concatBytes(signed, signLicenseBytes(signed, i.vendorSecretKey));
  } finally {
    eph.secretKey.fill(0);
    ss?.fill(0);
    kek?.fill(0);
  }
}
