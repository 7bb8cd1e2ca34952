/**
 * The device secret store contract. A backend holds exactly one 32-byte device secret (random, created on
 * first run) and hands it back only to this user on this machine: TPM 2.0 sealing (tpm-store.ts) or the OS
 * keychain (keychain-store.ts). Guarantees of every backend:
 *  - `create()` draws 32 bytes from the OS CSPRNG, stores them, and never silently replaces an existing
 *    secret (it fails instead; call `destroy()` first);
 *  - `load()` returns null only when no secret is stored; every other failure is a typed error
 *    (key-errors.ts); a secret of the wrong length is never returned;
 *  - there is no plaintext fallback anywhere.
 * The caller owns returned buffers and must wipe them (`fill(0)`) after use.
 * Spec: none beyond the backends' own (TPM 2.0 Library Part 1 sealing / libsecret, Keychain, DPAPI).
 */
import { KEY_MESSAGES, KeyStoreIoError } from './key-errors.ts';

export {
  KEY_MESSAGES,
  KeyBackendUnavailableError,
  KeyBindingError,
  KeyNotFoundError,
  KeyStoreIoError,
  KeyStoreLockedError,
} from './key-errors.ts';

export const DEVICE_SECRET_BYTES = 32;

export type KeyBackend = 'tpm' | 'keychain';

export interface DeviceSecretStore {
  readonly backend: KeyBackend;
  /** The stored secret, or null when none is stored. */
  load(): Promise<Uint8Array | null>;
  /** Creates, stores and returns 32 random bytes. Fails if a secret is already stored. */
  create(): Promise<Uint8Array>;
  /** Removes the stored secret (idempotent). Data bound to it becomes unreadable. */
  destroy(): Promise<void>;
}

/** Throws KeyStoreIoError unless `secret` is exactly 32 bytes; wipes a rejected buffer. */
export function assertDeviceSecret(secret: Uint8Array): Uint8Array {
  if (!(secret instanceof Uint8Array) || secret.length !== DEVICE_SECRET_BYTES) {
    if (secret instanceof Uint8Array) secret.fill(0);
    throw new KeyStoreIoError(KEY_MESSAGES.secretMalformed);
  }
  return secret;
}

/** Loads the device secret, creating it on first run. The caller wipes the result. */
export async function getOrCreateDeviceSecret(store: DeviceSecretStore): Promise<Uint8Array> {
  const existing = await store.load();
  if (existing !== null) return assertDeviceSecret(existing);
  return assertDeviceSecret(await store.create());
}
