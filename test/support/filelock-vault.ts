/**
 * An in-test VaultKeyAccess backed by a real random 256-bit key (no mock crypto): file locking runs
 * exactly as with the app's vault; `lock()` / `unlock()` stand in for the face decision.
 */
import { randomBytes } from 'node:crypto';
import { FileLockError } from '../../src/main/filelock/errors.ts';
import type { VaultKeyAccess } from '../../src/main/filelock/vault-key.ts';

export interface TestVault extends VaultKeyAccess {
  lock(): void;
  unlock(): void;
  readonly key: Uint8Array;
  passphrase: string;
}

export function createTestVault(
  opts: { unlocked?: boolean; key?: Uint8Array; passphrase?: string } = {},
): TestVault {
  const key = opts.key ?? new Uint8Array(randomBytes(32));
  let unlocked = opts.unlocked ?? true;
  const v: TestVault = {
    key,
    passphrase: opts.passphrase ?? 'correct horse battery staple',
    lock: () => void (unlocked = false),
    unlock: () => void (unlocked = true),
    isUnlocked: () => unlocked,
    async withVaultKey(fn) {
      if (!unlocked) throw new FileLockError('FILELOCK_VAULT_LOCKED', 'vault locked');
      const copy = new Uint8Array(key);
      try {
        return await fn(copy);
      } finally {
        copy.fill(0);
      }
    },
    async requestFaceUnlock() {
      unlocked = true;
    },
    async unlockWithPassphrase(p) {
      if (p !== v.passphrase) throw new FileLockError('FILELOCK_VAULT_LOCKED', 'wrong passphrase');
      unlocked = true;
    },
  };
  return v;
}
