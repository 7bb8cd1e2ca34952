/**
 * What file locking needs from the vault (issue 11 items 1–4, VaultService): the 32-byte vault key, lent
 * for the duration of one callback while the vault is unlocked. File locking never keeps it: inside the
 * callback it derives its own two values (HKDF-SHA256, RFC 5869, domain-separated by `info`) and returns.
 *
 *   wrapKey   = HKDF-SHA256(ikm = vaultKey, salt = "", info = "FaceVault filelock wrap v1\0", 32)
 *   vaultKeyId = HKDF-SHA256(ikm = vaultKey, salt = "", info = "FaceVault filelock key id v1\0", 16)
 *   indexKey   = HKDF-SHA256(ikm = vaultKey, salt = "", info = "FaceVault filelock index v1\0", 32)
 *                (seals the list of locked items: index-format.ts)
 *
 * The key id lets a container say "locked by another vault" (FILELOCK_WRONG_VAULT) instead of "tampered";
 * it reveals nothing about the key (HKDF output is a PRF value).
 *
 * `vault`'s VaultService (src/main/vault/vault-service.ts: withVaultKey, isUnlocked) satisfies the first two
 * members structurally; the app wires it as `{ withVaultKey, isUnlocked, requestFaceUnlock, unlockWithPassphrase }`
 * with the last two bound to its window (face flow) and its passphrase unlock.
 */
import { hkdf } from '@noble/hashes/hkdf.js';
import type { CliAsk } from './cli-requests.ts';
import { sha256 } from '@noble/hashes/sha2.js';

export interface VaultKeyAccess {
  /**
   * Runs `fn` with the vault key when the vault is unlocked; otherwise rejects with a FaceVaultError
   * (FILELOCK_VAULT_LOCKED here; the vault's own code once wired). The key is owned by the vault: `fn`
   * must not keep it or a copy past its return.
   */
  withVaultKey<T>(fn: (vaultKey: Uint8Array) => Promise<T>): Promise<T>;
  /** Whether the key is held right now (for the UI and the CLI channel: "verify your face first"). */
  isUnlocked(): boolean;
  /**
   * Asks the person at the app for the vault (its lock screen shows the request: cli-requests.ts) and
   * resolves once the vault is unlocked; rejects when denied, after `timeoutMs`, or when `signal` aborts
   * (the CLI went away). Absent where no app window exists.
   */
  requestFaceUnlock?(ask: CliAsk, timeoutMs: number, signal?: AbortSignal): Promise<void>;
  /**
   * Calls `cb` each time the vault locks (the list of locked items is then dropped from memory); returns
   * the unsubscribe. Absent: the list is dropped when `isUnlocked()` is next seen false.
   */
  onLock?(cb: () => void): () => void;
  /** Unlocks with the recovery passphrase (rate-limited by the vault); absent where not supported. */
  unlockWithPassphrase?(passphrase: string): Promise<void>;
}

export interface FileLockKeys {
  readonly wrapKey: Uint8Array;
  readonly vaultKeyId: Uint8Array;
  readonly indexKey: Uint8Array;
}

const enc = new TextEncoder();
const WRAP_INFO = enc.encode('FaceVault filelock wrap v1\0');
const ID_INFO = enc.encode('FaceVault filelock key id v1\0');
const INDEX_INFO = enc.encode('FaceVault filelock index v1\0');

export function deriveFileLockKeys(vaultKey: Uint8Array): FileLockKeys {
  if (!(vaultKey instanceof Uint8Array) || vaultKey.length !== 32)
    throw new RangeError('vault key must be 32 bytes');
  return {
    wrapKey: hkdf(sha256, vaultKey, new Uint8Array(0), WRAP_INFO, 32),
    vaultKeyId: hkdf(sha256, vaultKey, new Uint8Array(0), ID_INFO, 16),
    indexKey: hkdf(sha256, vaultKey, new Uint8Array(0), INDEX_INFO, 32),
  };
}

export const wipeKeys = (k: FileLockKeys): void => {
  k.wrapKey.fill(0);
  k.indexKey.fill(0);
};

/** Borrow the vault key just long enough to derive the file-lock keys (the caller wipes them). */
export async function fileLockKeys(vault: VaultKeyAccess): Promise<FileLockKeys> {
  return vault.withVaultKey(async (k) => deriveFileLockKeys(k));
}
