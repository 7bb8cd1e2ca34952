/**
 * The vault: the one owner of the vault key, the recovery passphrase and owner proof, over the
 * authenticated auth state (auth-state-store.ts). Implements VaultService (vault-service.ts) for the rest
 * of main, and the vault:* / settings:* operations for IPC.
 *
 * Guarantees:
 *  - the vault key is unwrapped only by `releaseByFace()` (called by the face decision after an accept) or
 *    a correct passphrase; it is held for a bounded window (default 5 min), then wiped by a timer; `lock()`
 *    wipes it at once and also ends any owner proof; it is never returned, only lent to `withVaultKey(fn)`;
 *  - owner proof: a correct passphrase or a face accept is valid for 60 s (OWNER_PROOF_WINDOW_MS); owner-gated
 *    actions take an OwnerTicket while it is fresh, and a ticket dies with the next lock (screen lock,
 *    suspend, …), so an enrolment started by the owner cannot be finished by a stranger after a screen lock;
 *  - the first setup is the only unauthenticated operation, and only while no auth state (and no anchor)
 *    exists; it sets the passphrase and leaves a fresh owner proof for the first enrolment;
 *  - passphrase attempts are serialised and rate-limited with a persisted back-off (passphrase-limits.ts);
 *    a correct passphrase resets the face lock-out and the passphrase counter;
 *  - the passphrase's strength is checked here too (never trust the UI's meter).
 */
import type { AppSettings, AppSettingsPatch, VaultStatus } from '../../shared/ipc-contract.ts';
import { OWNER_GATED_SETTINGS } from '../../shared/ipc-contract.ts';
import { DEFAULT_SETTINGS, fromB64, hexToBytes, toB64, type AuthState } from './auth-state.ts';
import type { AuthStateStore } from './auth-state-store.ts';
import {
  DEFAULT_SCRYPT,
  unwrapWithPassphrase,
  wrapWithPassphrase,
  type ScryptParams,
} from './passphrase-kdf.ts';
import { passphraseBackoffMs } from './passphrase-limits.ts';
import { assertStrongPassphrase } from './passphrase-strength.ts';
import { newStateId, newVaultKey, unwrapForDevice, wrapForDevice } from './vault-keys.ts';
import {
  AuthStateCorruptError,
  OwnerProofRequiredError,
  PassphraseRateLimitedError,
  PassphraseWrongError,
  VaultAlreadySetUpError,
  VaultLockedError,
  VaultNotSetUpError,
} from './vault-errors.ts';
import {
  DEFAULT_UNLOCK_WINDOW_MS,
  OWNER_PROOF_WINDOW_MS,
  type LockReason,
  type VaultService,
} from './vault-service.ts';

export const MAX_FACE_FAILURES = 5;

/** Permission for one owner-gated action, taken while an owner proof is fresh; dies with the next lock. */
export interface OwnerTicket {
  readonly action: string;
  valid(): boolean;
}

export interface DesktopUnlockAvailability {
  readonly available: boolean;
  readonly reason: string | null;
}

export interface VaultOptions {
  readonly store: AuthStateStore;
  /** deriveKey('vault'): wraps the vault key for this device (copied; wiped on close). */
  readonly deviceWrapKey: Uint8Array;
  readonly now?: () => number;
  readonly unlockWindowMs?: number;
  readonly ownerProofMs?: number;
  /** scrypt parameters for new wraps (tests use smaller ones). */
  readonly scrypt?: ScryptParams;
  /** Whether desktop unlock can work on this system (the desktop-login integration answers). */
  readonly desktopAvailability?: () => DesktopUnlockAvailability;
}

export interface Vault extends VaultService {
  setup(passphrase: string): Promise<VaultStatus>;
  unlockWithPassphrase(passphrase: string): Promise<VaultStatus>;
  proveOwner(passphrase: string): Promise<VaultStatus>;
  changePassphrase(current: string, next: string): Promise<VaultStatus>;
  /** The face decision accepted the owner: unwrap and hold the vault key, and count as an owner proof. */
  releaseByFace(): Promise<void>;
  /** A ticket for an owner-gated action, or OwnerProofRequiredError. */
  authorize(action: string): OwnerTicket;
  getSettings(): Promise<AppSettings>;
  setSettings(patch: AppSettingsPatch, ticket?: OwnerTicket): Promise<AppSettings>;
  readonly store: AuthStateStore;
  /** Locks ('quit') and wipes every key this object holds. */
  close(): void;
}

export function createVault(o: VaultOptions): Vault {
  const now = o.now ?? Date.now;
  const windowMs = o.unlockWindowMs ?? DEFAULT_UNLOCK_WINDOW_MS;
  const proofMs = o.ownerProofMs ?? OWNER_PROOF_WINDOW_MS;
  const wrapKey = Uint8Array.from(o.deviceWrapKey);
  const store = o.store;
  const listeners = new Set<(r: LockReason) => void>();
  let held: { key: Uint8Array; until: number; timer: ReturnType<typeof setTimeout> } | null = null;
  let proofUntil: number | null = null;
  /** Bumped by every lock: tickets issued before it are dead. */
  let epoch = 0;
  let passphraseQueue: Promise<unknown> = Promise.resolve();

  const isUnlocked = (): boolean => {
    if (held !== null && now() >= held.until) lock('window-expired');
    return held !== null;
  };
  const proofFresh = (): boolean => proofUntil !== null && now() < proofUntil;

  function lock(reason: LockReason): void {
    const had = held !== null || proofFresh();
    if (held !== null) {
      held.key.fill(0);
      clearTimeout(held.timer);
      held = null;
    }
    proofUntil = null;
    epoch++;
    if (!had) return;
    for (const cb of listeners) {
      try {
        cb(reason);
      } catch {
        // A listener's failure must never stop the wipe or the other listeners.
      }
    }
  }

  const hold = (key: Uint8Array): void => {
    if (held !== null) {
      held.key.fill(0);
      clearTimeout(held.timer);
    }
    const timer = setTimeout(() => lock('window-expired'), windowMs);
    timer.unref?.();
    held = { key, until: now() + windowMs, timer };
  };
  const proved = (): void => {
    proofUntil = now() + proofMs;
  };

  const read = async (): Promise<AuthState> => {
    const s = await store.read();
    if (s === null) throw new VaultNotSetUpError();
    return s;
  };

  const status = async (): Promise<VaultStatus> => {
    const s = await store.read();
    const unlocked = isUnlocked();
    const retryAt = s?.passphraseAttempts.retryAt ?? null;
    return {
      setUp: s !== null,
      enrolled: s?.enrolment != null,
      unlocked,
      unlockedUntil: unlocked && held ? held.until : null,
      lockedOut: s?.face.lockedOut ?? false,
      remainingAttempts:
        s === null
          ? MAX_FACE_FAILURES
          : s.face.lockedOut
            ? 0
            : Math.max(0, MAX_FACE_FAILURES - s.face.failures),
      passphraseRetryAt: retryAt !== null && retryAt > now() ? retryAt : null,
      ownerProofUntil: proofFresh() ? proofUntil : null,
      rollbackProtection: store.rollbackProtection,
    };
  };

  /** Checks the passphrase against the stored wrap, with the persisted rate limit. Returns the vault key. */
  const checkPassphrase = (passphrase: string): Promise<Uint8Array> => {
    const run = passphraseQueue.then(async () => {
      const s = await read();
      const retryAt = s.passphraseAttempts.retryAt;
      if (retryAt !== null && now() < retryAt) throw new PassphraseRateLimitedError(retryAt);
      const p = s.vault.passphrase;
      const key = await unwrapWithPassphrase(
        { kdf: p.kdf, N: p.N, r: p.r, p: p.p, salt: fromB64(p.salt), wrapped: fromB64(p.wrapped) },
        passphrase,
        hexToBytes(s.stateId),
      );
      if (key === null) {
        const after = await store.update((c) => {
          const failures = c.passphraseAttempts.failures + 1;
          const backoff = passphraseBackoffMs(failures);
          return { ...c, passphraseAttempts: { failures, retryAt: backoff > 0 ? now() + backoff : null } };
        });
        throw new PassphraseWrongError(after.passphraseAttempts.retryAt);
      }
      // The owner: the passphrase also ends a face lock-out.
      await store.update((c) => ({
        ...c,
        passphraseAttempts: { failures: 0, retryAt: null },
        face: { failures: 0, lockedOut: false },
      }));
      return key;
    });
    passphraseQueue = run.catch(() => undefined);
    return run;
  };

  const settingsView = (s: AuthState['settings']): AppSettings => {
    const d = o.desktopAvailability?.() ?? {
      available: false,
      reason: 'Desktop unlock is not available on this system.',
    };
    return {
      strictness: s.strictness,
      idleLockMinutes: s.idleLockMinutes,
      desktopUnlock: { enabled: s.desktopUnlock && d.available, available: d.available, reason: d.reason },
      pinnedCamera: s.pinnedCamera,
    };
  };

  const authorize = (action: string): OwnerTicket => {
    if (!proofFresh()) throw new OwnerProofRequiredError(action);
    const issued = epoch;
    return { action, valid: () => epoch === issued };
  };

  return {
    store,
    isUnlocked,
    hasFreshOwnerProof: proofFresh,
    lock,
    status,
    authorize,
    onLock(cb) {
      listeners.add(cb);
      return () => void listeners.delete(cb);
    },
    async withVaultKey(fn) {
      if (!isUnlocked() || held === null) throw new VaultLockedError();
      const copy = Uint8Array.from(held.key);
      try {
        return await fn(copy);
      } finally {
        copy.fill(0);
      }
    },
    async setup(passphrase) {
      if ((await store.read()) !== null) throw new VaultAlreadySetUpError();
      await assertStrongPassphrase(passphrase);
      const vaultKey = newVaultKey();
      const stateId = newStateId();
      try {
        const pw = await wrapWithPassphrase(vaultKey, passphrase, stateId, o.scrypt ?? DEFAULT_SCRYPT);
        const deviceWrap = wrapForDevice(vaultKey, wrapKey, stateId);
        try {
          await store.create(({ version, anchor }) => ({
            format: 1,
            stateId: Buffer.from(stateId).toString('hex'),
            version,
            anchor,
            vault: {
              deviceWrap: toB64(deviceWrap),
              passphrase: {
                kdf: 'scrypt',
                N: pw.N,
                r: pw.r,
                p: pw.p,
                salt: toB64(pw.salt),
                wrapped: toB64(pw.wrapped),
              },
            },
            enrolment: null,
            face: { failures: 0, lockedOut: false },
            passphraseAttempts: { failures: 0, retryAt: null },
            settings: { ...DEFAULT_SETTINGS },
            rollbacksDetected: 0,
          }));
        } catch (e) {
          if (e instanceof Error && e.message === 'auth state already exists')
            throw new VaultAlreadySetUpError();
          throw e;
        }
      } catch (e) {
        vaultKey.fill(0);
        throw e;
      }
      hold(vaultKey);
      proved(); // the person who just chose the passphrase enrols next
      return status();
    },
    async unlockWithPassphrase(passphrase) {
      hold(await checkPassphrase(passphrase));
      proved();
      return status();
    },
    async proveOwner(passphrase) {
      (await checkPassphrase(passphrase)).fill(0);
      proved();
      return status();
    },
    async changePassphrase(current, next) {
      await assertStrongPassphrase(next);
      const key = await checkPassphrase(current);
      try {
        const s = await read();
        const pw = await wrapWithPassphrase(key, next, hexToBytes(s.stateId), o.scrypt ?? DEFAULT_SCRYPT);
        await store.update((c) => ({
          ...c,
          vault: {
            ...c.vault,
            passphrase: {
              kdf: 'scrypt',
              N: pw.N,
              r: pw.r,
              p: pw.p,
              salt: toB64(pw.salt),
              wrapped: toB64(pw.wrapped),
            },
          },
        }));
      } finally {
        key.fill(0);
      }
      proved();
      return status();
    },
    async releaseByFace() {
      const s = await read();
      const key = unwrapForDevice(fromB64(s.vault.deviceWrap), wrapKey, hexToBytes(s.stateId));
      if (key === null) throw new AuthStateCorruptError();
      hold(key);
      proved();
    },
    async getSettings() {
      const s = await store.read();
      return settingsView(s?.settings ?? DEFAULT_SETTINGS);
    },
    async setSettings(patch, ticket) {
      const s = await read();
      const gated = OWNER_GATED_SETTINGS.filter((k) => patch[k] !== undefined && patch[k] !== s.settings[k]);
      if (gated.length > 0 && !(ticket?.valid() ?? false)) {
        // Take the ticket now (throws OwnerProofRequiredError without a fresh proof).
        authorize(`changing ${gated.join(' and ')}`);
      }
      const next = await store.update((c) => ({
        ...c,
        settings: {
          ...c.settings,
          ...(patch.strictness !== undefined ? { strictness: patch.strictness } : {}),
          ...(patch.idleLockMinutes !== undefined ? { idleLockMinutes: patch.idleLockMinutes } : {}),
          ...(patch.desktopUnlock !== undefined ? { desktopUnlock: patch.desktopUnlock } : {}),
        },
      }));
      return settingsView(next.settings);
    },
    close() {
      lock('quit');
      wrapKey.fill(0);
      store.close();
    },
  };
}
