/**
 * Typed errors of the vault concern (vault key, recovery passphrase, owner proof, authenticated auth state).
 * Messages are safe to show and log: never a passphrase, a key, a template or a path inside the data dir.
 */
import { FaceVaultError } from '../errors/facevault-error.ts';

export class VaultNotSetUpError extends FaceVaultError {
  constructor() {
    super('VAULT_NOT_SET_UP', 'FaceVault is not set up yet: choose a recovery passphrase first');
  }
}

export class VaultAlreadySetUpError extends FaceVaultError {
  constructor() {
    super(
      'VAULT_ALREADY_SET_UP',
      'FaceVault is already set up on this computer; change the passphrase in Settings instead',
    );
  }
}

export class VaultLockedError extends FaceVaultError {
  constructor() {
    super('VAULT_LOCKED', 'FaceVault is locked: unlock with your face or your recovery passphrase');
  }
}

export class PassphraseWrongError extends FaceVaultError {
  /** Epoch ms before which the next attempt is refused (null: try again now). */
  readonly retryAt: number | null;
  constructor(retryAt: number | null) {
    super('PASSPHRASE_WRONG', 'that recovery passphrase is not correct');
    this.retryAt = retryAt;
  }
}

export class PassphraseWeakError extends FaceVaultError {
  constructor(message: string) {
    super('PASSPHRASE_WEAK', message);
  }
}

export class PassphraseRateLimitedError extends FaceVaultError {
  readonly retryAt: number;
  constructor(retryAt: number) {
    super(
      'PASSPHRASE_RATE_LIMITED',
      `too many wrong passphrases: try again in ${Math.max(1, Math.ceil((retryAt - Date.now()) / 1000))} s`,
    );
    this.retryAt = retryAt;
  }
}

export class OwnerProofRequiredError extends FaceVaultError {
  constructor(action: string) {
    super(
      'OWNER_PROOF_REQUIRED',
      `${action} changes who can unlock: confirm with your recovery passphrase or your face first`,
    );
  }
}

/**
 * The stored auth state is authentic but older than the version anchored in the TPM (a restored backup or
 * a copied file). It has been neutralised: face unlock is off (template dropped, lock-out set) until the
 * recovery passphrase is entered and the face is enrolled again.
 */
export class AuthStateRollbackError extends FaceVaultError {
  constructor() {
    super(
      'AUTH_STATE_ROLLBACK',
      'FaceVault’s sign-in data is older than this computer’s TPM records (restored or copied files). Face unlock ' +
        'is off: enter your recovery passphrase, then set up your face again',
    );
  }
}

/** The auth state file is gone although the TPM records that one existed for this device key. */
export class AuthStateMissingError extends FaceVaultError {
  constructor() {
    super(
      'AUTH_STATE_MISSING',
      'FaceVault’s sign-in data is missing although this computer’s TPM records it: restore it from a backup, ' +
        'or reset FaceVault’s device keys to start over (locked files then need a backup of the sign-in data)',
    );
  }
}

/** The TPM NV counter that anchors the state version could not be read or advanced (fail closed). */
export class AuthAnchorUnavailableError extends FaceVaultError {
  constructor(options?: { cause?: unknown }) {
    super(
      'AUTH_ANCHOR_UNAVAILABLE',
      'the TPM counter that protects FaceVault’s sign-in data cannot be used right now; try again',
      options,
    );
  }
}

/** The auth state file is malformed or its MAC fails (edited, truncated, or another device key). */
export class AuthStateCorruptError extends FaceVaultError {
  constructor() {
    super(
      'STATE_CORRUPT',
      'FaceVault’s sign-in data failed its integrity check; face unlock is off — use your recovery passphrase',
    );
  }
}
