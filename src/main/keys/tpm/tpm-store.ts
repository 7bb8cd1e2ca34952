/**
 * TPM 2.0 backend: the device secret is a TPM sealed-data object (TPM 2.0 Library Part 1 §27.2.3,
 * "sealed data") under a storage key of the owner hierarchy. Two drivers (option `driver`, else
 * FACEVAULT_TPM_DRIVER, else 'auto'): 'esapi' calls tpm2-tss's Enhanced System API in-process (tpm-esapi.ts:
 * no process start; the secret never leaves this process's memory), 'tools' runs tpm2-tools 5.x; 'auto' =
 * esapi when koffi and the tpm2-tss libraries load, else tools. Both create the same TPM objects and read
 * and write the same blob files (below), so a data dir moves freely between them. Parent:
 *  - the platform's storage root key (SRK) at persistent handle 0x81000001 (TCG TPM 2.0 Provisioning
 *    Guidance), when `create()` finds one that is a restricted decryption key (fixedtpm|fixedparent|
 *    sensitivedataorigin|userwithauth|noda|restricted|decrypt, not sign, nameAlg SHA-256): blob format v2
 *    records the handle and the SRK's TPM name; unseal = tpm2_load -C 0x81000001 + tpm2_unseal (+ one flush
 *    without a resource manager). The store only USES an SRK the platform provisioned: it never creates,
 *    persists or evicts persistent objects. A v2 blob whose SRK is gone or has another name fails with
 *    KEY_BINDING_MISMATCH (KEY_MESSAGES.tpmSrkChanged) — never a fallback to another parent;
 *  - otherwise (or with `parent: 'transient'`) an ECC P-256 primary re-created on demand from the same
 *    template, nothing persisted in the TPM (blob format v1, read exactly as before).
 * Guarantees (tools driver; the esapi driver's are in tpm-esapi.ts, and it runs no process at all):
 *  - the secret crosses process boundaries only over stdin (tpm2_create -i -) and stdout (tpm2_unseal);
 *    it never appears in argv, the environment or a file; stdout buffers are wiped;
 *  - the sealed public/private blobs are kept together in ONE versioned file in the data dir, written
 *    atomically (temp + fsync + link/rename), mode 0600; an existing sealed secret is never replaced;
 *  - the sealed object has fixedtpm|fixedparent: it cannot be duplicated to, or loaded on, another TPM
 *    (a foreign/cleared TPM or an altered blob fails its integrity check → KeyBindingError);
 *  - every TPM command is serialised process-wide; without a resource manager (swtpm, /dev/tpm0) the
 *    transient objects it leaves are flushed (tpm2_flushcontext -t) — see hasResourceManager;
 *  - failures map to typed errors: tools missing / no device → KEY_BACKEND_UNAVAILABLE, lockout or owner
 *    auth → KEY_STORE_LOCKED, integrity/policy → KEY_BINDING_MISMATCH, damaged file / other → KEY_STORE_IO.
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
import {
  KEY_MESSAGES,
  KeyBackendUnavailableError,
  KeyBindingError,
  KeyStoreIoError,
  KeyStoreLockedError,
} from '../key-errors.ts';
import { assertDeviceSecret, DEVICE_SECRET_BYTES, type DeviceSecretStore } from '../key-store.ts';
import { mapTssError, type EsapiSonames, type TpmEsapi } from './esapi-driver.ts';
import { decodeBlob, encodeBlob, MAX_BLOB_FILE, MAX_PRIV, MAX_PUB, type SealParent } from './blob-format.ts';
import { serialised } from './command-queue.ts';
import {
  isHandleAbsent,
  parseSrkReadPublic,
  sameBytes,
  SRK_HANDLE,
  SRK_HANDLE_ARG,
  srkNameFromPublic,
} from './srk.ts';
import {
  defaultSpawn,
  mapTpmFailure,
  readWorkFile,
  runTool,
  withWorkDir,
  writeWorkFile,
  type SpawnFn,
  type ToolResult,
} from './tools-driver.ts';
import {
  hasResourceManager,
  resolveTcti,
  selectDriver,
  type TpmDriver,
  type TpmDriverChoice,
} from './driver-select.ts';

// Driver choice, TCTI and probing live in driver-select.ts; re-exported for the key store's callers.
export {
  DEFAULT_TCTI,
  hasResourceManager,
  probeTpm,
  resolveDriverChoice,
  resolveTcti,
  selectDriver,
  type TpmDriver,
  type TpmDriverChoice,
} from './driver-select.ts';

export const TPM_BLOB_FILE = 'device-secret.tpm2';

/** `spawn` as we call it; injectable so tests can observe every argv. */

export interface TpmStoreOptions {
  readonly dataDir: string;
  readonly tcti?: string;
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
  const spawnFn = options.spawnFn ?? defaultSpawn;
  const timeoutMs = options.toolTimeoutMs ?? 30_000;
  if (!Number.isInteger(timeoutMs) || timeoutMs <= 0)
    throw new TypeError('toolTimeoutMs must be a positive integer');
  const blobPath = join(options.dataDir, TPM_BLOB_FILE);
  const parentMode = options.parent ?? 'auto';
  if (parentMode !== 'auto' && parentMode !== 'transient')
    throw new TypeError("parent must be 'auto' or 'transient'");

  const managed = hasResourceManager(tcti);
  const sel = selectDriver({ driver: options.driver, esapiSonames: options.esapiSonames });

  /** Flushes every transient object (not needed, and skipped, behind a resource manager). */
  async function flushTransient(): Promise<Error | undefined> {
    if (managed) return undefined;
    try {
      const f = await runTool(spawnFn, 'tpm2_flushcontext', ['-T', tcti, '-t'], timeoutMs);
      return f.code === 0 ? undefined : mapTpmFailure('tpm2_flushcontext', f);
    } catch (e) {
      return e instanceof Error ? e : new KeyStoreIoError(KEY_MESSAGES.tpmFailed, { cause: e });
    }
  }

  /**
   * Runs one TPM command; with `flush`, or whenever the command fails, flushes the transient objects it left
   * loaded (see `hasResourceManager` for when that is needed and why sessions never are).
   */
  async function tpm(
    tool: string,
    args: readonly string[],
    o: { stdin?: Uint8Array; flush: boolean },
  ): Promise<Uint8Array> {
    let main: ToolResult | undefined;
    let mainError: unknown;
    try {
      main = await runTool(spawnFn, tool, ['-T', tcti, ...args], timeoutMs, o.stdin);
    } catch (e) {
      mainError = e;
    }
    const failed = mainError !== undefined || main?.code !== 0;
    const flushError =
      (o.flush || failed) && !(mainError instanceof KeyBackendUnavailableError)
        ? await flushTransient()
        : undefined;
    if (mainError !== undefined) {
      throw mainError instanceof Error
        ? mainError
        : new KeyStoreIoError(KEY_MESSAGES.tpmFailed, { cause: mainError });
    }
    if (main === undefined) throw new KeyStoreIoError(KEY_MESSAGES.tpmFailed);
    if (main.code !== 0) {
      main.stdout.fill(0);
      throw mapTpmFailure(tool, main);
    }
    if (flushError !== undefined) {
      main.stdout.fill(0);
      throw flushError;
    }
    return main.stdout;
  }

  async function createPrimary(dir: string): Promise<string> {
    const ctx = join(dir, 'primary.ctx');
    // Flushed at once: the primary is used again through its context file (a second copy gets loaded).
    (
      await tpm('tpm2_createprimary', ['-C', 'o', '-g', 'sha256', '-G', 'ecc', '-c', ctx], { flush: true })
    ).fill(0);
    return ctx;
  }

  /**
   * Reads the public area of the object at SRK_HANDLE: its TPM name when it is a usable SRK, null when the
   * handle is empty or the object is not one (parseSrkReadPublic). readpublic loads nothing, so no flush.
   * A TPM that cannot be reached, or any other failure, throws the typed error.
   */
  async function readSrk(): Promise<Uint8Array | null> {
    const res = await runTool(spawnFn, 'tpm2_readpublic', ['-T', tcti, '-c', SRK_HANDLE_ARG], timeoutMs);
    if (res.code !== 0) {
      if (isHandleAbsent(res.stderr)) return null;
      throw mapTpmFailure('tpm2_readpublic', res);
    }
    return parseSrkReadPublic(new TextDecoder('utf-8', { fatal: false }).decode(res.stdout));
  }

  /**
   * After a failed tpm2_load under the SRK: if the SRK is gone or is not the key the secret was sealed under
   * (another TPM name) the failure is a binding error with a message saying so; otherwise the original error.
   */
  async function diagnoseSrk(expected: Uint8Array, original: unknown): Promise<never> {
    let now: Uint8Array | null;
    try {
      now = await readSrk(); // null: nothing at the handle, or not a usable SRK
    } catch {
      throw original; // the TPM could not even be asked: report what failed first
    }
    if (now === null || !sameBytes(now, expected))
      throw new KeyBindingError(KEY_MESSAGES.tpmSrkChanged, { cause: original });
    throw original; // same SRK: the blob itself was altered, or another failure — reported as it was
  }

  /** The esapi binding, or its typed load error (driver 'esapi' without the libraries). */
  function esapi(): TpmEsapi {
    if (sel.driver !== 'esapi') throw new KeyStoreIoError(KEY_MESSAGES.tpmFailed);
    if ('error' in sel) throw sel.error;
    return sel.esapi;
  }

  /** esapi driver, unseal: same parent rules as the tools path (only the blob's recorded parent is used). */
  async function esapiLoad(parent: SealParent, pub: Uint8Array, priv: Uint8Array): Promise<Uint8Array> {
    const e = esapi();
    let secret: Uint8Array;
    try {
      secret = await e.withSession(tcti, async (s) => {
        let parentHandle: number;
        if (parent.kind === 'srk') {
          // Unlike tpm2_load's failure diagnosis on the tools path, the SRK is checked first: one
          // TPM2_ReadPublic, and a missing / replaced SRK is reported without trying the load.
          const srk = await s.readPersistent(SRK_HANDLE);
          const name = srk === null ? null : srkNameFromPublic(srk.pub);
          if (srk === null || name === null || !sameBytes(name, parent.name))
            throw new KeyBindingError(KEY_MESSAGES.tpmSrkChanged);
          parentHandle = srk.handle;
        } else {
          parentHandle = await s.createPrimary();
        }
        return s.unseal(await s.load(parentHandle, pub, priv));
      });
    } catch (err) {
      throw mapTssError(err);
    }
    return assertDeviceSecret(secret);
  }

  /** esapi driver, seal: under the usable SRK (parent 'auto') or a transient primary; returns the blob file. */
  async function esapiCreate(secret: Uint8Array): Promise<Uint8Array> {
    const e = esapi();
    try {
      return await e.withSession(tcti, async (s) => {
        const srk = parentMode === 'auto' ? await s.readPersistent(SRK_HANDLE) : null;
        const name = srk === null ? null : srkNameFromPublic(srk.pub);
        const parent: SealParent = name === null ? { kind: 'transient' } : { kind: 'srk', name };
        const parentHandle = srk !== null && name !== null ? srk.handle : await s.createPrimary();
        const { pub, priv } = await s.seal(parentHandle, secret);
        if (pub.length === 0 || pub.length > MAX_PUB || priv.length === 0 || priv.length > MAX_PRIV) {
          throw new KeyStoreIoError(KEY_MESSAGES.tpmFailed);
        }
        return encodeBlob(parent, pub, priv);
      });
    } catch (err) {
      throw mapTssError(err);
    }
  }

  async function load(): Promise<Uint8Array | null> {
    const file = await readKeyFile(blobPath, MAX_BLOB_FILE, KEY_MESSAGES.tpmDamaged);
    if (file === null) return null;
    const { parent, pub, priv } = decodeBlob(file);
    if (sel.driver === 'esapi') return serialised(() => esapiLoad(parent, pub, priv));
    return serialised(() =>
      withWorkDir(async (dir) => {
        const pubPath = join(dir, 'obj.pub');
        const privPath = join(dir, 'obj.priv');
        const objCtx = join(dir, 'obj.ctx');
        await writeWorkFile(pubPath, pub);
        await writeWorkFile(privPath, priv);
        if (parent.kind === 'srk') {
          // The persistent SRK is the parent: no createprimary. load leaves the sealed object loaded, unseal
          // a copy of it; both flushed after unseal (persistent objects are not touched by flushcontext -t).
          // Only the blob's recorded parent is ever used — a missing or replaced SRK is reported, not bypassed.
          try {
            (
              await tpm('tpm2_load', ['-C', SRK_HANDLE_ARG, '-u', pubPath, '-r', privPath, '-c', objCtx], {
                flush: false,
              })
            ).fill(0);
          } catch (e) {
            if (e instanceof KeyBackendUnavailableError || e instanceof KeyStoreLockedError) throw e;
            return diagnoseSrk(parent.name, e);
          }
        } else {
          const primary = await createPrimary(dir);
          // load leaves primary + sealed object loaded, unseal adds a copy of the latter: 3 objects, the TPM
          // minimum (TPM 2.0 Part 2, MAX_LOADED_OBJECTS ≥ 3); all flushed after unseal.
          (
            await tpm('tpm2_load', ['-C', primary, '-u', pubPath, '-r', privPath, '-c', objCtx], {
              flush: false,
            })
          ).fill(0);
        }
        const secret = await tpm('tpm2_unseal', ['-c', objCtx], { flush: true });
        return assertDeviceSecret(secret);
      }),
    );
  }

  async function create(): Promise<Uint8Array> {
    await ensureKeyDir(options.dataDir);
    if ((await readKeyFile(blobPath, MAX_BLOB_FILE, KEY_MESSAGES.tpmDamaged)) !== null) {
      throw new KeyStoreIoError(KEY_MESSAGES.secretExists);
    }
    const secret = new Uint8Array(randomBytes(DEVICE_SECRET_BYTES));
    try {
      const blob =
        sel.driver === 'esapi'
          ? await serialised(() => esapiCreate(secret))
          : await serialised(() =>
              withWorkDir(async (dir) => {
                const pubPath = join(dir, 'obj.pub');
                const privPath = join(dir, 'obj.priv');
                const srkName = parentMode === 'auto' ? await readSrk() : null;
                const parent: SealParent =
                  srkName === null ? { kind: 'transient' } : { kind: 'srk', name: srkName };
                // Sealed object attributes: tpm2-tools' default for -i (fixedtpm|fixedparent|userwithauth, no
                // sensitivedataorigin). The secret goes over stdin only. TPM2_Create loads nothing, so under the
                // persistent SRK there is nothing to flush (the transient primary is flushed by createPrimary).
                const parentArg = parent.kind === 'srk' ? SRK_HANDLE_ARG : await createPrimary(dir);
                (
                  await tpm('tpm2_create', ['-C', parentArg, '-i', '-', '-u', pubPath, '-r', privPath], {
                    stdin: secret,
                    flush: parent.kind === 'transient',
                  })
                ).fill(0);
                const pub = await readWorkFile(pubPath);
                const priv = await readWorkFile(privPath);
                if (pub.length === 0 || pub.length > MAX_PUB || priv.length === 0 || priv.length > MAX_PRIV) {
                  throw new KeyStoreIoError(KEY_MESSAGES.tpmFailed);
                }
                return encodeBlob(parent, pub, priv);
              }),
            );
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

  return { backend: 'tpm', driver: sel.driver, load, create, destroy };
}
