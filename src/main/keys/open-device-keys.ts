/**
 * The one entry point of the device key store. Opens (first run: creates) the device secret in a backend,
 * derives the machine-bound device KEK (RFC 5869 HKDF, machine-binding.ts), opens (first run: creates) the
 * X25519 device identity (RFC 7748; wrapped with XChaCha20-Poly1305, device-identity.ts), and hands out
 * purpose subkeys.
 *
 * Backend selection: option `backend`, else FACEVAULT_KEYSTORE, else 'auto'. 'auto' is sticky: if a sealed
 * TPM blob exists in the data dir the TPM is used (and its errors are reported, never silently replaced by
 * the keychain); else if a device identity already exists the keychain is used; on a fresh data dir the TPM
 * is used when usable (tpm2-tools present and the TCTI answers), else the keychain when usable; else
 * KEY_BACKEND_UNAVAILABLE with a message the UI can show. There is never a plaintext fallback.
 *
 * Guarantees: the device secret is wiped right after the KEK is derived; the KEK lives only inside the
 * returned object until close(), which wipes it; a missing device secret while an identity exists is
 * KEY_NOT_FOUND (a new secret is NOT created over existing data); `deriveKey` never hands out the
 * 'device-identity' wrapping key; opens of the same data dir are serialised in-process.
 */
import { join } from 'node:path';
import { assertDataDir, keyFileExists } from './key-file-io.ts';
import { IDENTITY_FILE, openDeviceIdentity, type DeviceIdentity } from './device-identity.ts';
import { createKeychainStore, probeKeychain, type KeytarApi } from './keychain-store.ts';
import {
  KEY_MESSAGES,
  KeyBackendUnavailableError,
  KeyNotFoundError,
  KeyStoreIoError,
  KeyStoreLockedError,
} from './key-errors.ts';
import { assertDeviceSecret, type DeviceSecretStore, type KeyBackend } from './key-store.ts';
import {
  deriveDeviceKek,
  deriveSubkey,
  isSubkeyLabel,
  normaliseMachineId,
  readMachineId,
  type SubkeyLabel,
} from './machine-binding.ts';
import { createTpmStore, probeTpm, resolveTcti, TPM_BLOB_FILE } from './tpm/tpm-store.ts';
import type { SpawnFn } from './tpm/tools-driver.ts';

export type BackendChoice = 'auto' | KeyBackend;
/** Labels callers may derive; 'device-identity' stays internal (it wraps the identity private key). */
export type DeviceKeyLabel = Exclude<SubkeyLabel, 'device-identity'>;

export interface OpenDeviceKeysOptions {
  readonly dataDir: string;
  readonly backend?: BackendChoice;
  /** The machine id, or a function returning it; default: node-machine-id. */
  readonly machineId?: string | (() => Promise<string>);
  readonly tcti?: string;
  /** Test hooks: observe tpm2-tools spawns, replace the keytar loader. */
  readonly spawnFn?: SpawnFn;
  readonly loadKeytar?: () => Promise<KeytarApi>;
}

export interface DeviceKeys {
  readonly backend: KeyBackend;
  readonly identity: DeviceIdentity;
  /** A fresh 32-byte subkey for one purpose; the caller wipes it. */
  deriveKey(label: DeviceKeyLabel): Promise<Uint8Array>;
  /** Wipes the KEK; later calls (deriveKey, identity.sharedSecret) fail with KEY_STORE_LOCKED. */
  close(): Promise<void>;
}

const BACKEND_CHOICES: readonly BackendChoice[] = ['auto', 'tpm', 'keychain'];
const isBackendChoice = (x: unknown): x is BackendChoice =>
  typeof x === 'string' && (BACKEND_CHOICES as readonly string[]).includes(x);

export function resolveBackendChoice(option?: BackendChoice): BackendChoice {
  const value: unknown = option ?? process.env.FACEVAULT_KEYSTORE ?? 'auto';
  if (!isBackendChoice(value))
    throw new TypeError('backend / FACEVAULT_KEYSTORE must be "auto", "tpm" or "keychain"');
  return value;
}

async function resolveMachineId(source: OpenDeviceKeysOptions['machineId']): Promise<string> {
  if (source === undefined) return readMachineId();
  if (typeof source === 'function') return normaliseMachineId(await source());
  return normaliseMachineId(source);
}

/** Picks the backend store as described in the header. */
export async function selectStore(opts: OpenDeviceKeysOptions): Promise<DeviceSecretStore> {
  const choice = resolveBackendChoice(opts.backend);
  const tpmStore = (): DeviceSecretStore =>
    createTpmStore({ dataDir: opts.dataDir, tcti: resolveTcti(opts.tcti), spawnFn: opts.spawnFn });
  const keychainStore = (): DeviceSecretStore =>
    createKeychainStore(opts.loadKeytar ? { loadKeytar: opts.loadKeytar } : {});
  if (choice === 'tpm') return tpmStore();
  if (choice === 'keychain') return keychainStore();
  if (await keyFileExists(join(opts.dataDir, TPM_BLOB_FILE))) return tpmStore();
  if (await keyFileExists(join(opts.dataDir, IDENTITY_FILE))) return keychainStore();
  const tpm = await probeTpm({ tcti: opts.tcti, spawnFn: opts.spawnFn });
  if (tpm.usable) return tpmStore();
  const kc = await probeKeychain(opts.loadKeytar ? { loadKeytar: opts.loadKeytar } : {});
  if (kc.usable) return keychainStore();
  // A keychain that exists but is locked is the actionable problem; say that rather than "no backend".
  if (kc.reason instanceof KeyStoreLockedError) throw kc.reason;
  throw new KeyBackendUnavailableError(KEY_MESSAGES.noBackend, {
    cause: new AggregateError([tpm.reason, kc.reason], 'no usable key backend'),
  });
}

const openLocks = new Map<string, Promise<unknown>>();
async function withDataDirLock<T>(dataDir: string, fn: () => Promise<T>): Promise<T> {
  const prev = openLocks.get(dataDir) ?? Promise.resolve();
  const run = prev.then(fn, fn);
  const tail = run.catch(() => undefined);
  openLocks.set(dataDir, tail);
  try {
    return await run;
  } finally {
    if (openLocks.get(dataDir) === tail) openLocks.delete(dataDir);
  }
}

export async function openDeviceKeys(opts: OpenDeviceKeysOptions): Promise<DeviceKeys> {
  if (typeof opts !== 'object' || opts === null) throw new TypeError('options are required');
  assertDataDir(opts.dataDir);
  resolveBackendChoice(opts.backend); // validate before any work
  if (opts.tcti !== undefined) resolveTcti(opts.tcti);
  const machineId = await resolveMachineId(opts.machineId);

  return withDataDirLock(opts.dataDir, async () => {
    const store = await selectStore(opts);
    const identityExists = await keyFileExists(join(opts.dataDir, IDENTITY_FILE));

    let secret = await store.load();
    if (secret === null) {
      if (identityExists) throw new KeyNotFoundError(KEY_MESSAGES.secretMissing);
      secret = await store.create();
    }
    let kek: Uint8Array;
    try {
      kek = deriveDeviceKek(assertDeviceSecret(secret), machineId);
    } finally {
      secret.fill(0);
    }

    let closed = false;
    const liveKek = (): Uint8Array => {
      if (closed) throw new KeyStoreLockedError(KEY_MESSAGES.closed);
      return kek;
    };
    let identity: DeviceIdentity | null;
    try {
      identity = await openDeviceIdentity({
        dataDir: opts.dataDir,
        getWrapKey: async () => deriveSubkey(liveKek(), 'device-identity'),
      });
    } catch (e) {
      kek.fill(0);
      throw e;
    }
    if (identity === null) {
      kek.fill(0);
      throw new KeyStoreIoError(KEY_MESSAGES.fileIo);
    }

    return {
      backend: store.backend,
      identity,
      async deriveKey(label: DeviceKeyLabel): Promise<Uint8Array> {
        const raw: unknown = label; // re-validate at runtime: callers may be untyped (CLI, IPC)
        if (!isSubkeyLabel(raw) || raw === 'device-identity') {
          throw new TypeError(
            'deriveKey label must be "template", "vault", "licence-cache", "attempt-counter" or "auth-state"',
          );
        }
        return deriveSubkey(liveKek(), raw);
      },
      async close(): Promise<void> {
        closed = true;
        kek.fill(0);
      },
    };
  });
}
