/**
 * Builds the vault concern once the device keys are open: derives its three keys from the device KEK
 * ('auth-state' MAC key, 'vault' wrap key, 'template' key; RFC 5869 labels in keys/machine-binding.ts),
 * picks the version anchor (the TPM NV counter when the key store is the TPM, else none), and creates the
 * store → vault → face decisions chain. Exposes a stable VaultService facade that other concerns can hold
 * from the start: while the vault does not exist yet it is simply locked.
 *
 * Guarantees: the derived keys are copied into the objects that use them and wiped here right away; close()
 * locks ('quit') and wipes everything; creation happens once (concurrent callers share it). Files of the
 * layout before the auth state (one template file and one HMAC counter file per user) are neither trusted
 * nor migrated: they are overwritten and removed when the vault is first created, so no biometric data is
 * left behind in them.
 */
import type { VaultStatus } from '../../shared/ipc-contract.ts';
import { join } from 'node:path';
import { TemplateVault } from '../auth/template-vault.ts';
import type { KeyService } from '../keys/key-service.ts';
import { overwriteAndRemove, pathExists } from '../storage/atomic-write.ts';
import { cannotSave } from '../storage/storage-errors.ts';
import { resolveTcti } from '../keys/tpm/driver-select.ts';
import { createAuthStateStore } from './auth-state-store.ts';
import { FaceDecisions } from '../auth/face-decisions.ts';
import { createTpmNvCounter } from '../keys/tpm/tools-nv-counter.ts';
import { createVault, type DesktopUnlockAvailability, type Vault } from './vault.ts';
import type { ScryptParams } from './passphrase-kdf.ts';
import { VaultLockedError } from './vault-errors.ts';
import type { LockReason, VaultService } from './vault-service.ts';
import { NO_ANCHOR } from './version-anchor.ts';
import { FaceVaultError } from '../errors/facevault-error.ts';

export const AUTH_STATE_FILE = 'auth-state.json';

class VaultUnavailableError extends FaceVaultError {
  constructor() {
    super('KEY_BACKEND_UNAVAILABLE', 'this host has no device key store, so there is no vault');
  }
}

/** The error of a host built without a key store (tests, previews). */
export const vaultUnavailable = (): Error => new VaultUnavailableError();

export interface VaultProviderOptions {
  /** The one owner of the device keys (keys/key-service.ts). */
  readonly keys: KeyService;
  /** Absolute folder of the auth state (the old templates folder). */
  readonly dir: string;
  /** The TCTI of the TPM the key store uses (default: FACEVAULT_TPM_TCTI / device:/dev/tpmrm0). */
  readonly tcti?: string;
  readonly now?: () => number;
  readonly desktopAvailability?: () => DesktopUnlockAvailability;
  readonly unlockWindowMs?: number;
  /** scrypt parameters for new passphrase wraps (default DEFAULT_SCRYPT; tests use smaller ones). */
  readonly scrypt?: ScryptParams;
  /** The user id of the pre-vault template / counter files to remove (default 'owner'). */
  readonly legacyUserId?: string;
}

export interface VaultProvider {
  /** The vault, creating it on first use (opening the device keys); rejects with the key store's error. */
  get(): Promise<Vault>;
  current(): Vault | null;
  /** Face decisions over the same state, for an embedder threshold. */
  faceDecisions(threshold: number): Promise<FaceDecisions>;
  /** What other main concerns hold (file locking, desktop unlock): stable across the vault's creation. */
  readonly service: VaultService;
  close(): void;
}

async function removeLegacyFiles(dir: string, userId: string): Promise<void> {
  const fail = cannotSave('the removal of the old face data');
  if (!(await pathExists(dir, fail))) return; // a fresh install: nothing to remove
  await new TemplateVault(dir).delete(userId);
  await overwriteAndRemove(join(dir, `attempts-${userId}.json`), fail);
}

export function createVaultProvider(o: VaultProviderOptions): VaultProvider {
  let vault: Vault | null = null;
  let templateKey: Uint8Array | null = null;
  let pending: Promise<Vault> | null = null;
  let face: { threshold: number; decisions: FaceDecisions } | null = null;
  /** Every onLock listener, whether it subscribed before or after the vault existed. */
  const early = new Set<(r: LockReason) => void>();

  async function create(): Promise<Vault> {
    const keys = await o.keys.open(); // the key store's typed error when it cannot be opened
    await removeLegacyFiles(o.dir, o.legacyUserId ?? 'owner'); // before any key is derived
    const derived: Uint8Array[] = [];
    try {
      const mac = await keys.deriveKey('auth-state');
      derived.push(mac);
      const wrap = await keys.deriveKey('vault');
      derived.push(wrap);
      const template = await keys.deriveKey('template');
      derived.push(template);
      const anchor =
        keys.backend === 'tpm' ? createTpmNvCounter({ tcti: resolveTcti(o.tcti), seed: mac }) : NO_ANCHOR;
      // Store, vault and face decisions keep their own copies; the ones derived here are wiped below.
      const store = createAuthStateStore({
        file: `${o.dir}/${AUTH_STATE_FILE}`,
        macKey: mac,
        anchor,
        ...(o.now ? { now: o.now } : {}),
      });
      const v = createVault({
        store,
        deviceWrapKey: wrap,
        ...(o.now ? { now: o.now } : {}),
        ...(o.desktopAvailability ? { desktopAvailability: o.desktopAvailability } : {}),
        ...(o.unlockWindowMs ? { unlockWindowMs: o.unlockWindowMs } : {}),
        ...(o.scrypt ? { scrypt: o.scrypt } : {}),
      });
      v.onLock((r) => {
        for (const cb of early) cb(r); // the vault contains a listener's failure
      });
      templateKey = Uint8Array.from(template);
      vault = v;
      return v;
    } finally {
      for (const k of derived) k.fill(0);
    }
  }

  const get = (): Promise<Vault> => {
    if (vault) return Promise.resolve(vault);
    pending ??= create().finally(() => {
      pending = null;
    });
    return pending;
  };

  const service: VaultService = {
    isUnlocked: () => vault?.isUnlocked() ?? false,
    hasFreshOwnerProof: () => vault?.hasFreshOwnerProof() ?? false,
    async withVaultKey(fn) {
      if (!vault) throw new VaultLockedError();
      return vault.withVaultKey(fn);
    },
    onLock(cb) {
      early.add(cb);
      return () => void early.delete(cb);
    },
    lock: (reason) => vault?.lock(reason),
    status: async (): Promise<VaultStatus> => (await get()).status(),
  };

  return {
    get,
    current: () => vault,
    service,
    async faceDecisions(threshold) {
      const v = await get();
      if (face && face.threshold === threshold) return face.decisions;
      face?.decisions.close();
      face = {
        threshold,
        decisions: new FaceDecisions({
          vault: v,
          templateKey: templateKey!,
          threshold,
          ...(o.now ? { now: o.now } : {}),
        }),
      };
      return face.decisions;
    },
    close() {
      face?.decisions.close();
      face = null;
      templateKey?.fill(0);
      templateKey = null;
      vault?.close();
      vault = null;
    },
  };
}
