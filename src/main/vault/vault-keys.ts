/**
 * The vault key itself and its device wrap. The vault key is 32 bytes from the OS CSPRNG (node:crypto),
 * created once at setup and kept across re-enrolments; at rest it exists only as two wraps inside the
 * authenticated auth state:
 *   device wrap     = nonce (24) | XChaCha20-Poly1305(k = deriveKey('vault'), nonce,
 *                       aad = "facevault/vault-key/device/v1" | stateId).encrypt(vaultKey)
 *   passphrase wrap = passphrase-kdf.ts
 * Spec: draft-irtf-cfrg-xchacha / RFC 8439 AEAD (@noble/ciphers); the key is HKDF-derived from the device
 * KEK with its own label (RFC 5869, keys/machine-binding.ts). The stateId in the AAD stops a wrap moving
 * between two states of the same device key.
 */
import { randomBytes } from 'node:crypto';
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';

export const VAULT_KEY_BYTES = 32;
const NONCE = 24;
const te = new TextEncoder();

export const newVaultKey = (): Uint8Array => new Uint8Array(randomBytes(VAULT_KEY_BYTES));
export const newStateId = (): Uint8Array => new Uint8Array(randomBytes(16));

const aad = (stateId: Uint8Array): Uint8Array => {
  const label = te.encode('facevault/vault-key/device/v1');
  const out = new Uint8Array(label.length + stateId.length);
  out.set(label);
  out.set(stateId, label.length);
  return out;
};

export function wrapForDevice(vaultKey: Uint8Array, wrapKey: Uint8Array, stateId: Uint8Array): Uint8Array {
  if (vaultKey.length !== VAULT_KEY_BYTES || wrapKey.length !== 32)
    throw new RangeError('vault key and wrap key must be 32 bytes');
  const nonce = new Uint8Array(randomBytes(NONCE));
  const ct = xchacha20poly1305(wrapKey, nonce, aad(stateId)).encrypt(vaultKey);
  const out = new Uint8Array(NONCE + ct.length);
  out.set(nonce);
  out.set(ct, NONCE);
  return out;
}

/** The vault key (caller wipes), or null when the wrap does not open under this key/state. */
export function unwrapForDevice(
  wrapped: Uint8Array,
  wrapKey: Uint8Array,
  stateId: Uint8Array,
): Uint8Array | null {
  if (wrapped.length !== NONCE + VAULT_KEY_BYTES + 16 || wrapKey.length !== 32) return null;
  try {
    return xchacha20poly1305(wrapKey, wrapped.subarray(0, NONCE), aad(stateId)).decrypt(
      wrapped.subarray(NONCE),
    );
  } catch {
    return null;
  }
}
