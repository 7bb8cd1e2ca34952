/**
 * OS keychain backend (keytar: macOS Keychain, Windows Credential Manager/DPAPI, libsecret Secret Service
 * on Linux). The device secret is one generic password, service "FaceVault", account "device-secret-v1",
 * stored as "fv1:" + base64 of the 32 bytes.
 * Guarantees:
 *  - keytar (a native module) is loaded lazily, on first use, so importing this file never fails; a missing
 *    native module or Secret Service → KEY_BACKEND_UNAVAILABLE; a locked keyring → KEY_STORE_LOCKED;
 *  - `create()` refuses to replace an existing entry; a malformed entry is never returned (KEY_STORE_IO);
 *  - nothing is written anywhere else (no plaintext fallback).
 * Limits: keytar's API is string-based, so the base64 form of the secret lives briefly in JS strings that
 * cannot be wiped; on Linux any process of the same user can read an unlocked Secret Service item; a locked
 * libsecret collection answers look-ups with "not found" (open-device-keys.ts turns that into a message
 * that says "unlock your login keyring").
 */
import { randomBytes } from 'node:crypto';
import {
  KEY_MESSAGES,
  KeyBackendUnavailableError,
  KeyStoreIoError,
  KeyStoreLockedError,
} from './key-errors.ts';
import { assertDeviceSecret, DEVICE_SECRET_BYTES, type DeviceSecretStore } from './key-store.ts';

export const KEYCHAIN_SERVICE = 'FaceVault';
export const KEYCHAIN_ACCOUNT = 'device-secret-v1';
const PREFIX = 'fv1:';

/** The part of keytar we use. */
export interface KeytarApi {
  getPassword(service: string, account: string): Promise<string | null>;
  setPassword(service: string, account: string, password: string): Promise<void>;
  deletePassword(service: string, account: string): Promise<boolean>;
}

export interface KeychainStoreOptions {
  readonly service?: string;
  readonly account?: string;
  /** Injectable loader (tests); default: dynamic import of the keytar native module. */
  readonly loadKeytar?: () => Promise<KeytarApi>;
}

function isKeytarApi(x: unknown): x is KeytarApi {
  if (typeof x !== 'object' || x === null) return false;
  return (
    'getPassword' in x &&
    typeof x.getPassword === 'function' &&
    'setPassword' in x &&
    typeof x.setPassword === 'function' &&
    'deletePassword' in x &&
    typeof x.deletePassword === 'function'
  );
}

let keytarPromise: Promise<KeytarApi> | undefined;

/** Loads keytar once per process; a failure is not cached (the user may install libsecret and retry). */
export function loadKeytar(): Promise<KeytarApi> {
  keytarPromise ??= (async () => {
    let mod: unknown;
    try {
      mod = await import('keytar');
    } catch (cause) {
      throw new KeyBackendUnavailableError(KEY_MESSAGES.keychainModuleMissing, { cause });
    }
    const api: unknown = typeof mod === 'object' && mod !== null && 'default' in mod ? mod.default : mod;
    if (!isKeytarApi(api)) throw new KeyBackendUnavailableError(KEY_MESSAGES.keychainModuleMissing);
    return api;
  })();
  keytarPromise.catch(() => {
    keytarPromise = undefined;
  });
  return keytarPromise;
}

/** Maps a keytar / libsecret / Keychain / Credential Manager error to a typed error. */
export function mapKeychainError(e: unknown): Error {
  if (
    e instanceof KeyBackendUnavailableError ||
    e instanceof KeyStoreLockedError ||
    e instanceof KeyStoreIoError
  ) {
    return e;
  }
  const msg = (e instanceof Error ? e.message : String(e)).toLowerCase();
  if (
    /cannot find module|did not self-register|invalid elf|libsecret-1\.so|cannot open shared object/.test(msg)
  ) {
    return new KeyBackendUnavailableError(KEY_MESSAGES.keychainModuleMissing, { cause: e });
  }
  if (
    /locked|user interaction is not allowed|interaction not allowed|prompt.*dismiss|dismissed|cancel/.test(
      msg,
    )
  ) {
    return new KeyStoreLockedError(KEY_MESSAGES.keychainLocked, { cause: e });
  }
  if (
    /autolaunch|could not connect|org\.freedesktop\.secrets|serviceunknown|service_unknown|dbus|not provided by any \.service|no keychain|credential manager.*unavailable/.test(
      msg,
    )
  ) {
    return new KeyBackendUnavailableError(KEY_MESSAGES.keychainNoService, { cause: e });
  }
  return new KeyStoreIoError(KEY_MESSAGES.keychainFailed, { cause: e });
}

function validName(x: string, what: string): string {
  if (typeof x !== 'string' || x.length === 0 || x.length > 128 || /[\0-\x1f]/.test(x)) {
    throw new TypeError(`${what} must be 1-128 printable characters`);
  }
  return x;
}

function decodeEntry(value: string): Uint8Array {
  if (typeof value !== 'string' || !value.startsWith(PREFIX) || value.length > 128) {
    throw new KeyStoreIoError(KEY_MESSAGES.secretMalformed);
  }
  const b64 = value.slice(PREFIX.length);
  if (!/^[A-Za-z0-9+/]{43}=$/.test(b64)) throw new KeyStoreIoError(KEY_MESSAGES.secretMalformed);
  const buf = Buffer.from(b64, 'base64');
  try {
    return assertDeviceSecret(new Uint8Array(buf));
  } finally {
    buf.fill(0);
  }
}

/** Resolves when keytar loads and the keychain answers a look-up; the typed reason otherwise. */
export async function probeKeychain(
  opts: { loadKeytar?: () => Promise<KeytarApi> } = {},
): Promise<{ usable: true } | { usable: false; reason: Error }> {
  try {
    const kt = await (opts.loadKeytar ?? loadKeytar)();
    await kt.getPassword(KEYCHAIN_SERVICE, 'probe-v1');
    return { usable: true };
  } catch (e) {
    return { usable: false, reason: mapKeychainError(e) };
  }
}

export function createKeychainStore(options: KeychainStoreOptions = {}): DeviceSecretStore {
  const service = validName(options.service ?? KEYCHAIN_SERVICE, 'service');
  const account = validName(options.account ?? KEYCHAIN_ACCOUNT, 'account');
  const getKeytar = options.loadKeytar ?? loadKeytar;

  async function call<T>(fn: (kt: KeytarApi) => Promise<T>): Promise<T> {
    try {
      return await fn(await getKeytar());
    } catch (e) {
      throw mapKeychainError(e);
    }
  }

  async function load(): Promise<Uint8Array | null> {
    const value = await call((kt) => kt.getPassword(service, account));
    return value === null ? null : decodeEntry(value);
  }

  async function create(): Promise<Uint8Array> {
    if ((await call((kt) => kt.getPassword(service, account))) !== null) {
      throw new KeyStoreIoError(KEY_MESSAGES.secretExists);
    }
    const secret = new Uint8Array(randomBytes(DEVICE_SECRET_BYTES));
    try {
      const encoded =
        PREFIX + Buffer.from(secret.buffer, secret.byteOffset, secret.byteLength).toString('base64');
      await call((kt) => kt.setPassword(service, account, encoded));
      // Read back: proves the item really landed in the keychain (and not in a transient session store).
      const back = await load();
      if (back === null) throw new KeyStoreIoError(KEY_MESSAGES.keychainFailed);
      const same = back.every((b, i) => b === secret[i]);
      back.fill(0);
      if (!same) throw new KeyStoreIoError(KEY_MESSAGES.keychainFailed);
      return secret;
    } catch (e) {
      secret.fill(0);
      throw e;
    }
  }

  async function destroy(): Promise<void> {
    await call((kt) => kt.deletePassword(service, account));
  }

  return { backend: 'keychain', load, create, destroy };
}
