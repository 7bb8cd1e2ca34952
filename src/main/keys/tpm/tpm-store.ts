/**
 * TPM 2.0 backend: the device secret is a TPM sealed-data object (TPM 2.0 Library Part 1 §27.2.3,
 * "sealed data") under a storage key of the owner hierarchy. The store is driver-independent: it talks to
 * one TpmDriverOps instance (driver.ts) built by driver-select.ts (option `driver`, else FACEVAULT_TPM_DRIVER,
 * else 'auto'): 'esapi' calls tpm2-tss's Enhanced System API in-process (esapi-driver.ts: no process start;
 * the secret never leaves this process's memory), 'tools' runs tpm2-tools 5.x (tools-driver.ts); 'auto' =
 * esapi when koffi and the tpm2-tss libraries load, else tools. Both create the same TPM objects and read
 * and write the same blob files (blob-format.ts), so a data dir moves freely between them. The store owns
 * what is common: the blob file, the parent rule, and running each operation in the process-wide TPM queue
 * (command-queue.ts). Parent:
 *  - the platform's storage root key (SRK) at persistent handle 0x81000001 (TCG TPM 2.0 Provisioning
 *    Guidance), when `create()` finds one that is a restricted decryption key (fixedtpm|fixedparent|
 *    sensitivedataorigin|userwithauth|noda|restricted|decrypt, not sign, nameAlg SHA-256): blob format v2
 *    records the handle and the SRK's TPM name; unseal loads under 0x81000001. The store only USES an SRK
 *    the platform provisioned: it never creates, persists or evicts persistent objects. A v2 blob whose SRK is gone or has another name fails with
 *    KEY_BINDING_MISMATCH (KEY_MESSAGES.tpmSrkChanged) — never a fallback to another parent;
 *  - otherwise (or with `parent: 'transient'`) an ECC P-256 primary re-created on demand from the same
 *    template, nothing persisted in the TPM (blob format v1, read exactly as before).
 * Guarantees (with each driver's own in its file):
 *  - the sealed public/private blobs are kept together in ONE versioned file in the data dir, written
 *    atomically (temp + fsync + link/rename), mode 0600; an existing sealed secret is never replaced;
 *  - the sealed object has fixedtpm|fixedparent: it cannot be duplicated to, or loaded on, another TPM
 *    (a foreign/cleared TPM or an altered blob fails its integrity check → KeyBindingError);
 *  - every TPM operation is serialised process-wide; no transient object outlives an operation (the
 *    drivers flush them where no resource manager does — see hasResourceManager);
 *  - failures map to typed errors: tools / libraries missing or no device → KEY_BACKEND_UNAVAILABLE, lockout
 *    or owner auth → KEY_STORE_LOCKED, integrity/policy → KEY_BINDING_MISMATCH, damaged file / other →
 *    KEY_STORE_IO; a secret that was created but not stored is wiped.
 * Limits (docs/key-store.md): no PCR policy yet, so any process of a user who can open the TPM and read
 * the data dir can unseal; an administrator can always do so.
 * TCTI: option `tcti`, else FACEVAULT_TPM_TCTI, else `device:/dev/tpmrm0`.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import {
  assertDataDir,
  createKeyFileExclusive,
  ensureKeyDir,
  readKeyFile,
  removeKeyFile,
} from '../key-file-io.ts';
import { KEY_MESSAGES, KeyStoreIoError } from '../key-errors.ts';
import { assertDeviceSecret, DEVICE_SECRET_BYTES, type DeviceSecretStore } from '../key-store.ts';
import { decodeBlob, encodeBlob, MAX_BLOB_FILE, MAX_PRIV, MAX_PUB, type SealParent } from './blob-format.ts';
import { serialised } from './command-queue.ts';
import { createTpmDriver, resolveTcti, type TpmDriver, type TpmDriverChoice } from './driver-select.ts';
import type { EsapiSonames } from './esapi-binding.ts';
import type { SpawnFn } from './tools-runner.ts';

// Driver choice, TCTI and probing live in driver-select.ts; re-exported for the key store's callers.
export {
  createTpmDriver,
  DEFAULT_TCTI,
  hasResourceManager,
  probeTpm,
  resolveDriverChoice,
  resolveTcti,
  selectDriver,
  type TpmDriver,
  type TpmDriverChoice,
  type TpmDriverOps,
} from './driver-select.ts';

export const TPM_BLOB_FILE = 'device-secret.tpm2';

export interface TpmStoreOptions {
  readonly dataDir: string;
  readonly tcti?: string;
  /** `spawn` as the tools driver calls it; injectable so tests can observe every argv. */
  readonly spawnFn?: SpawnFn;
  /** Per-tool timeout (default 30 s); a hung tool is killed and reported as KEY_STORE_IO. */
  readonly toolTimeoutMs?: number;
  /**
   * Parent for a NEW sealed secret (`create()`): 'auto' (default) seals under the platform SRK at 0x81000001
   * when a usable one exists, else under a transient primary; 'transient' always uses the transient primary.
   * `load()` always uses the parent recorded in the blob file.
   */
  readonly parent?: 'auto' | 'transient';
  /** 'auto' (default: esapi when its libraries load, else tools), 'esapi' or 'tools'; else FACEVAULT_TPM_DRIVER. */
  readonly driver?: TpmDriverChoice;
  /** Test hook: the tpm2-tss sonames the esapi driver dlopens. */
  readonly esapiSonames?: EsapiSonames;
}

// ---- the store --------------------------------------------------------------------------------------------
export function createTpmStore(options: TpmStoreOptions): DeviceSecretStore & { readonly driver: TpmDriver } {
  assertDataDir(options.dataDir);
  const tcti = resolveTcti(options.tcti);
  const timeoutMs = options.toolTimeoutMs ?? 30_000;
  if (!Number.isInteger(timeoutMs) || timeoutMs <= 0)
    throw new TypeError('toolTimeoutMs must be a positive integer');
  const blobPath = join(options.dataDir, TPM_BLOB_FILE);
  const parentMode = options.parent ?? 'auto';
  if (parentMode !== 'auto' && parentMode !== 'transient')
    throw new TypeError("parent must be 'auto' or 'transient'");
  const driver = createTpmDriver({
    tcti,
    driver: options.driver,
    esapiSonames: options.esapiSonames,
    spawnFn: options.spawnFn,
    timeoutMs,
  });

  async function load(): Promise<Uint8Array | null> {
    const file = await readKeyFile(blobPath, MAX_BLOB_FILE, KEY_MESSAGES.tpmDamaged);
    if (file === null) return null;
    const { parent, pub, priv } = decodeBlob(file);
    // Only the blob's recorded parent is ever used: a missing or replaced SRK is reported, never bypassed.
    return assertDeviceSecret(await serialised(() => driver.unseal(parent, { pub, priv })));
  }

  /** Seals `secret` under the usable platform SRK (parent 'auto') or a transient primary: the blob file. */
  function seal(secret: Uint8Array): Promise<Uint8Array> {
    return serialised(async () => {
      const srkName = parentMode === 'auto' ? await driver.readSrkName() : null;
      const parent: SealParent = srkName === null ? { kind: 'transient' } : { kind: 'srk', name: srkName };
      const { pub, priv } = await driver.seal(parent, secret);
      if (pub.length === 0 || pub.length > MAX_PUB || priv.length === 0 || priv.length > MAX_PRIV) {
        throw new KeyStoreIoError(KEY_MESSAGES.tpmFailed);
      }
      return encodeBlob(parent, pub, priv);
    });
  }

  async function create(): Promise<Uint8Array> {
    await ensureKeyDir(options.dataDir);
    if ((await readKeyFile(blobPath, MAX_BLOB_FILE, KEY_MESSAGES.tpmDamaged)) !== null) {
      throw new KeyStoreIoError(KEY_MESSAGES.secretExists);
    }
    const secret = new Uint8Array(randomBytes(DEVICE_SECRET_BYTES));
    try {
      const blob = await seal(secret);
      if (!(await createKeyFileExclusive(blobPath, blob)))
        throw new KeyStoreIoError(KEY_MESSAGES.secretExists);
      return secret;
    } catch (e) {
      secret.fill(0);
      throw e;
    }
  }

  async function destroy(): Promise<void> {
    await removeKeyFile(blobPath);
  }

  return { backend: 'tpm', driver: driver.name, load, create, destroy };
}
