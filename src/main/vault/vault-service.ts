/**
 * The main-side vault-key service: what other main-process concerns (file locking, the desktop-unlock
 * integration, the IPC handlers) may use. The vault key is a random 256-bit key created at the first
 * enrolment (vault:setup); at rest it exists only wrapped (under a device-derived key, and under the
 * recovery passphrase's scrypt key, both inside the authenticated auth state — see auth-state.ts). It is
 * unwrapped in main only after a successful face decision or the recovery passphrase, held for a bounded
 * unlock window, and wiped on lock (user, idle, window expiry, suspend, OS screen lock, quit).
 *
 * Guarantees of every implementation:
 *  - the vault key never leaves this process and is never returned by any method: callers get it only
 *    inside `withVaultKey(fn)`, as a private copy that is wiped when `fn` settles (do not keep references);
 *  - `withVaultKey` fails with VAULT_LOCKED when no unlock window is open; it never prompts;
 *  - `lock(reason)` wipes the key synchronously and then calls every `onLock` listener (errors in a
 *    listener are contained, never prevent the wipe or the other listeners);
 *  - an owner proof (passphrase, or a face match) is valid for OWNER_PROOF_WINDOW_MS and is what
 *    re-enrolment, deletion of biometric data and owner-gated settings require.
 */
import type { VaultStatus } from '../../shared/ipc-contract.ts';

/** Why the vault key was wiped. */
export type LockReason =
  | 'user' // vault:lock, the lock-now button
  | 'idle' // the idle-lock setting expired
  | 'window-expired' // the bounded unlock window ran out
  | 'suspend' // powerMonitor 'suspend'
  | 'lock-screen' // powerMonitor 'lock-screen' / the desktop session locked
  | 'quit' // before-quit
  | 'state-changed'; // biometric data deleted, passphrase changed, auth state refused

/** How long an owner proof allows owner-gated actions without asking again. */
export const OWNER_PROOF_WINDOW_MS = 60_000;
/** Default length of the unlock window after a face match or the passphrase. */
export const DEFAULT_UNLOCK_WINDOW_MS = 5 * 60_000;

export interface VaultService {
  /** True while the vault key is held (an unlock window is open). */
  isUnlocked(): boolean;
  /**
   * Runs `fn` with a copy of the vault key (32 bytes), wiped when `fn` settles. Throws VaultLockedError
   * (VAULT_LOCKED) when locked. Extends nothing: the unlock window is not renewed by use.
   */
  withVaultKey<T>(fn: (vaultKey: Uint8Array) => Promise<T> | T): Promise<T>;
  /** Called after every lock with its reason. Returns an unsubscribe function. */
  onLock(cb: (reason: LockReason) => void): () => void;
  /** Wipes the vault key now (idempotent; listeners run only when a key was held). */
  lock(reason: LockReason): void;
  /** True while an owner proof is fresh (see OWNER_PROOF_WINDOW_MS). */
  hasFreshOwnerProof(): boolean;
  /** The coarse view for the renderer (never the key). */
  status(): Promise<VaultStatus>;
}
